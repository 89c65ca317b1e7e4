site-name = Saman
skip-to-main = Hopp til hovedinnholdet
lang-label = Språk
lang-nb = Bokmål
lang-nn = Nynorsk
text-size = Tekststørrelse
text-size-normal = Normal
text-size-large = Stor
text-size-larger = Større
text-size-current = (valgt)
nav-main = Hovedmeny
nav-home = Forside
nav-levels = Nivåene
nav-services = Tjenester
nav-timeline = Tidslinje
nav-about = Om modellen
nav-accessibility = Tilgjengelighetserklæring
breadcrumbs = Du er her
footer-powered = Laget med Saman, en åpen plattform for kommunenes samhandlingsmodeller.
footer-contact = Kontakt
footer-platform = Alle modeller på plattformen

platform-title = Samhandlingsmodeller for barn og unge
platform-intro = Her publiserer kommuner hvordan tjenestene deres samarbeider, slik at barn, unge og familier får riktig hjelp til riktig tid.
platform-tenants = Modeller på denne plattformen
platform-numbers = Kommunenummer: { $numbers }
platform-empty = Det er ingen modeller på plattformen ennå.

level-municipality = Kommunenivå
level-service = Tjenestenivå
level-individual = Individnivå
level-municipality-desc = Overordnede planer, strategier, prioriteringer og nasjonale satsinger.
level-service-desc = Hvordan tjenestene samarbeider: rutiner, møtearenaer, tiltak og felles kompetanse.
level-individual-desc = Den ansattes møte med barn, unge og foresatte: å oppdage, undre seg og følge opp.

kind-plan = Plan
kind-rutine = Rutine
kind-moteplass = Møtearena
kind-tiltak = Tiltak
kind-tjeneste = Tjeneste
kind-verktoy = Verktøy og skjema
kind-kompetanse = Kompetanseprogram
kind-dokument = Dokument og lenke
kinds-plan = Planer
kinds-rutine = Rutiner
kinds-moteplass = Møtearenaer
kinds-tiltak = Tiltak
kinds-tjeneste = Tjenester
kinds-verktoy = Verktøy og skjema
kinds-kompetanse = Kompetanseprogram
kinds-dokument = Dokumenter og lenker

target-gravide = Gravide
target-0-5 = 0–5 år
target-6-12 = 6–12 år
target-13-18 = 13–18 år
target-19-23 = 19–23 år
target-foresatte = Foresatte

prevention-universell = Universell forebygging
prevention-selektiv = Selektiv forebygging
prevention-indikert = Indikert forebygging

rel-forankrer-out = Forankrer
rel-forankrer-in = Er forankret i
rel-har-deltaker-out = Har som deltakere
rel-har-deltaker-in = Deltar i
rel-bruker-out = Bruker
rel-bruker-in = Brukes i
rel-tilbyr-out = Tilbyr
rel-tilbyr-in = Tilbys av
rel-viser-til-out = Viser videre til
rel-viser-til-in = Får henvisninger fra
rel-se-ogsa-out = Se også
rel-se-ogsa-in = Se også
rel-owns = Har ansvar for
rel-owned-by = Ansvarlig tjeneste

home-model-heading = Slik henger modellen sammen
home-model-desc = Modellen har tre nivåer. Kommunenivået gir retning gjennom planer og prioriteringer. Tjenestenivået viser hvordan tjenestene samarbeider. Individnivået handler om møtet med barnet, den unge og familien. Velg et nivå for å se innholdet.
home-model-count = { $count ->
    [one] { $count } innhold
   *[other] { $count } innhold
}
home-level-link = Se alt på { $level }
home-audiences = Hvem er du?
audience-employee = Jeg er ansatt
audience-employee-desc = Rutiner, verktøy og hvem du kan kontakte i hver tjeneste.
audience-private = Jeg er bekymret for et barn
audience-private-desc = Hva du kan gjøre, og hvem du kan ringe.
audience-youth = Jeg er barn eller ungdom
audience-youth-desc = Hvem du kan snakke med når noe er vanskelig.
audience-guardian = Jeg er forelder eller foresatt
audience-guardian-desc = Hva kommunen tilbyr familier, og dine rettigheter.
home-latest = Siste nytt om modellen
home-all-timeline = Se hele tidslinjen
home-priorities = Prioriteringer i planperioden
home-services = Finn en tjeneste
home-services-desc = Kontaktinformasjon til alle tjenestene, fra A til Å.

emergency-heading = Trenger du hjelp nå?
emergency-medical = Medisinsk nødtelefon: 113
emergency-police = Politi: 112
emergency-fire = Brann: 110
emergency-helpline = Alarmtelefonen for barn og unge: 116 111
emergency-out-of-hours = Legevakt: 116 117

level-intro = Innholdet på dette nivået, ordnet etter type.
filter-heading = Filtrer innholdet
filter-target = Målgruppe
filter-prevention = Forebygging
filter-all = Alle
filter-submit = Vis
filter-reset = Fjern filteret
filter-showing = Viser { $count } av { $total }.
level-empty = Ingen innhold på dette nivået passer filteret.
level-jump = Gå til

item-facts = Fakta
item-kind = Type
item-levels = Nivå
item-target = Målgrupper
item-prevention = Forebygging
item-owner = Ansvarlig tjeneste
item-review = Neste revisjon
item-priorities = Prioriteringer
item-contact = Kontakt
contact-phone = Telefon
contact-email = E-post
contact-address = Adresse
contact-web = Nettside
contact-hours = Åpningstider
item-attachments = Skjema og vedlegg
item-connections = Slik henger det sammen
item-no-connections = Dette innholdet er ikke koblet til noe annet ennå.
fallback-notice = Denne teksten finnes ikke på bokmål ennå, så den vises på nynorsk.
fallback-label = på nynorsk

services-title = Tjenester fra A til Å
services-intro = Alle tjenestene i modellen, med kontaktinformasjon. Velg en målgruppe for å se tjenestene for dem.
services-letters = Hopp til bokstav
services-empty = Ingen tjenester passer filteret.

timeline-title = Tidslinje
timeline-intro = Slik har modellen blitt til, og hva som er nytt.
timeline-empty = Det er ingen oppføringer i tidslinjen ennå.

about-title = Om modellen
about-levels = De tre nivåene
about-priorities = Prioriteringer i planperioden
about-municipalities = Kommunene modellen gjelder for
about-numbers = Kommunenummer

a11y-title = Tilgjengelighetserklæring
a11y-intro = { $name } ønsker at alle skal kunne bruke samhandlingsmodellen, også de som bruker skjermleser, forstørrelse eller bare tastatur.
a11y-standard-heading = Krav og status
a11y-standard = Nettstedet skal oppfylle kravene i forskrift om universell utforming av IKT-løsninger, som viser til WCAG 2.1 nivå A og AA. Alle sidene testes automatisk med axe-core i en ekte nettleser hver gang løsningen endres, og hjemmesiden testes med bare tastatur.
a11y-features-heading = Dette er gjort
a11y-features = Sidene virker uten JavaScript, kan leses på bokmål og nynorsk, har en lenke som hopper rett til innholdet, lar deg velge større tekst og kan skrives ut. Figurer har en tekstlig beskrivelse.
a11y-known-heading = Kjente mangler
a11y-known = Vedlegg som kommunen har lastet opp, for eksempel PDF-filer, kan mangle tilgjengelighetsmerking. Si fra om du trenger et vedlegg i et annet format.
a11y-feedback-heading = Gi tilbakemelding
a11y-feedback = Opplever du problemer med tilgjengeligheten, kan du skrive til
a11y-feedback-none = Opplever du problemer med tilgjengeligheten, kan du kontakte kommunen.
a11y-supervision = Tilsynet for universell utforming av ikt (Uu-tilsynet) fører tilsyn med at kravene følges.

error-404-title = Vi fant ikke siden
error-404-body = Siden finnes ikke, eller den er flyttet. Sjekk adressen, eller gå til forsiden.
error-400-title = Adressen er ikke gyldig
error-400-body = Noe i adressen eller skjemaet kunne ikke forstås. Gå tilbake og prøv igjen.
error-405-title = Det går ikke an å gjøre dette her
error-405-body = Siden støtter ikke denne handlingen.
error-500-title = Noe gikk galt hos oss
error-500-body = Det er ikke din feil. Prøv igjen om litt. Oppgi feilkoden hvis du kontakter oss.
error-id = Feilkode: { $id }
error-home = Gå til forsiden
bad-filter = Filteret «{ $value }» finnes ikke.

logo-alt = Logo for { $name }
