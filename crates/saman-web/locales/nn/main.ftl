site-name = Saman
skip-to-main = Hopp til hovudinnhaldet
lang-label = Språk
lang-nb = Bokmål
lang-nn = Nynorsk
text-size = Tekststorleik
text-size-normal = Normal
text-size-large = Stor
text-size-larger = Større
text-size-current = (vald)
nav-main = Hovudmeny
nav-home = Framside
nav-levels = Nivåa
nav-services = Tenester
nav-timeline = Tidslinje
nav-about = Om modellen
nav-accessibility = Tilgjengeerklæring
breadcrumbs = Du er her
footer-powered = Laga med Saman, ei open plattform for samhandlingsmodellane til kommunane.
footer-contact = Kontakt
footer-platform = Alle modellane på plattforma

platform-title = Samhandlingsmodellar for barn og unge
platform-intro = Her publiserer kommunar korleis tenestene deira samarbeider, slik at barn, unge og familiar får rett hjelp til rett tid.
platform-tenants = Modellar på denne plattforma
platform-numbers = Kommunenummer: { $numbers }
platform-empty = Det er ingen modellar på plattforma enno.

level-municipality = Kommunenivå
level-service = Tenestenivå
level-individual = Individnivå
level-municipality-desc = Overordna planar, strategiar, prioriteringar og nasjonale satsingar.
level-service-desc = Korleis tenestene samarbeider: rutinar, møtearenaer, tiltak og felles kompetanse.
level-individual-desc = Møtet mellom den tilsette og barn, unge og føresette: å oppdage, undre seg og følgje opp.

kind-plan = Plan
kind-rutine = Rutine
kind-moteplass = Møtearena
kind-tiltak = Tiltak
kind-tjeneste = Teneste
kind-verktoy = Verktøy og skjema
kind-kompetanse = Kompetanseprogram
kind-dokument = Dokument og lenke
kinds-plan = Planar
kinds-rutine = Rutinar
kinds-moteplass = Møtearenaer
kinds-tiltak = Tiltak
kinds-tjeneste = Tenester
kinds-verktoy = Verktøy og skjema
kinds-kompetanse = Kompetanseprogram
kinds-dokument = Dokument og lenker

target-gravide = Gravide
target-0-5 = 0–5 år
target-6-12 = 6–12 år
target-13-18 = 13–18 år
target-19-23 = 19–23 år
target-foresatte = Føresette

prevention-universell = Universell førebygging
prevention-selektiv = Selektiv førebygging
prevention-indikert = Indikert førebygging

rel-forankrer-out = Forankrar
rel-forankrer-in = Er forankra i
rel-har-deltaker-out = Har som deltakarar
rel-har-deltaker-in = Deltek i
rel-bruker-out = Bruker
rel-bruker-in = Blir brukt i
rel-tilbyr-out = Tilbyr
rel-tilbyr-in = Blir tilbode av
rel-viser-til-out = Viser vidare til
rel-viser-til-in = Får tilvisingar frå
rel-se-ogsa-out = Sjå også
rel-se-ogsa-in = Sjå også
rel-owns = Har ansvar for
rel-owned-by = Ansvarleg teneste

home-model-heading = Slik heng modellen saman
home-model-desc = Modellen har tre nivå. Kommunenivået gir retning gjennom planar og prioriteringar. Tenestenivået viser korleis tenestene samarbeider. Individnivået handlar om møtet med barnet, den unge og familien. Vel eit nivå for å sjå innhaldet.
home-model-count = { $count ->
    [one] { $count } innhald
   *[other] { $count } innhald
}
home-level-link = Sjå alt på { $level }
home-audiences = Kven er du?
audience-employee = Eg er tilsett
audience-employee-desc = Rutinar, verktøy og kven du kan kontakte i kvar teneste.
audience-private = Eg er uroleg for eit barn
audience-private-desc = Kva du kan gjere, og kven du kan ringje.
audience-youth = Eg er barn eller ungdom
audience-youth-desc = Kven du kan snakke med når noko er vanskeleg.
audience-guardian = Eg er forelder eller føresett
audience-guardian-desc = Kva kommunen tilbyr familiar, og rettane dine.
home-latest = Siste nytt om modellen
home-all-timeline = Sjå heile tidslinja
home-priorities = Prioriteringar i planperioden
home-services = Finn ei teneste
home-services-desc = Kontaktinformasjon til alle tenestene, frå A til Å.

emergency-heading = Treng du hjelp no?
emergency-medical = Medisinsk naudtelefon: 113
emergency-police = Politi: 112
emergency-fire = Brann: 110
emergency-helpline = Alarmtelefonen for barn og unge: 116 111
emergency-out-of-hours = Legevakt: 116 117

level-intro = Innhaldet på dette nivået, ordna etter type.
filter-heading = Filtrer innhaldet
filter-target = Målgruppe
filter-prevention = Førebygging
filter-all = Alle
filter-submit = Vis
filter-reset = Fjern filteret
filter-showing = Viser { $count } av { $total }.
level-empty = Ikkje noko innhald på dette nivået passar filteret.
level-jump = Gå til

item-facts = Fakta
item-kind = Type
item-levels = Nivå
item-target = Målgrupper
item-prevention = Førebygging
item-owner = Ansvarleg teneste
item-review = Neste revisjon
item-priorities = Prioriteringar
item-contact = Kontakt
contact-phone = Telefon
contact-email = E-post
contact-address = Adresse
contact-web = Nettside
contact-hours = Opningstider
item-attachments = Skjema og vedlegg
item-connections = Slik heng det saman
item-no-connections = Dette innhaldet er ikkje kopla til noko anna enno.
fallback-notice = Denne teksten finst ikkje på nynorsk enno, så han blir vist på bokmål.
fallback-label = på bokmål

services-title = Tenester frå A til Å
services-intro = Alle tenestene i modellen, med kontaktinformasjon. Vel ei målgruppe for å sjå tenestene for dei.
services-letters = Hopp til bokstav
services-empty = Ingen tenester passar filteret.

timeline-title = Tidslinje
timeline-intro = Slik har modellen blitt til, og kva som er nytt.
timeline-empty = Det er ingen oppføringar i tidslinja enno.

about-title = Om modellen
about-levels = Dei tre nivåa
about-priorities = Prioriteringar i planperioden
about-municipalities = Kommunane modellen gjeld for
about-numbers = Kommunenummer

a11y-title = Tilgjengeerklæring
a11y-intro = { $name } ønskjer at alle skal kunne bruke samhandlingsmodellen, også dei som bruker skjermlesar, forstørring eller berre tastatur.
a11y-standard-heading = Krav og status
a11y-standard = Nettstaden skal oppfylle krava i forskrift om universell utforming av IKT-løysingar, som viser til WCAG 2.1 nivå A og AA. Alle sidene blir testa automatisk med axe-core i ein ekte nettlesar kvar gong løysinga blir endra, og heimesida blir testa med berre tastatur.
a11y-features-heading = Dette er gjort
a11y-features = Sidene verkar utan JavaScript, kan lesast på bokmål og nynorsk, har ei lenkje som hoppar rett til innhaldet, lèt deg velje større tekst og kan skrivast ut. Figurar har ei tekstleg skildring.
a11y-known-heading = Kjende manglar
a11y-known = Vedlegg som kommunen har lasta opp, til dømes PDF-filer, kan mangle tilgjengemerking. Sei frå om du treng eit vedlegg i eit anna format.
a11y-feedback-heading = Gi tilbakemelding
a11y-feedback = Opplever du problem med tilgjenget, kan du skrive til
a11y-feedback-none = Opplever du problem med tilgjenget, kan du kontakte kommunen.
a11y-supervision = Tilsynet for universell utforming av ikt (Uu-tilsynet) fører tilsyn med at krava blir følgde.

error-404-title = Vi fann ikkje sida
error-404-body = Sida finst ikkje, eller ho er flytta. Sjekk adressa, eller gå til framsida.
error-400-title = Adressa er ikkje gyldig
error-400-body = Noko i adressa eller skjemaet kunne ikkje forståast. Gå tilbake og prøv igjen.
error-405-title = Det går ikkje an å gjere dette her
error-405-body = Sida støttar ikkje denne handlinga.
error-500-title = Noko gjekk gale hos oss
error-500-body = Det er ikkje din feil. Prøv igjen om litt. Oppgi feilkoden viss du kontaktar oss.
error-id = Feilkode: { $id }
error-home = Gå til framsida
bad-filter = Filteret «{ $value }» finst ikkje.

logo-alt = Logo for { $name }
