//! Charts drawn by the server as SVG: horizontal bars, each with its value written
//! beside it, so a chart reads without colour (and the second series is hatched as well
//! as lighter). Every chart sits beside its data table and a summary in words.

use std::fmt::Write;

/// One series of bars: its name (for the legend) and a value per group, with the text
/// shown for it ("12", "under 5"). A value of `None` draws no bar.
pub struct ChartSeries {
    pub name: String,
    pub values: Vec<(Option<i64>, String)>,
}

const WIDTH: i64 = 640;
const BAR_AREA: i64 = 470;
const BAR_HEIGHT: i64 = 18;
const LABEL_HEIGHT: i64 = 20;
const GROUP_GAP: i64 = 12;
const LEGEND_HEIGHT: i64 = 28;
const TEXT: &str = "#1a1a1a";
const BAR: &str = "#1f4e79";

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Not allowed in XML (and nothing a chart needs).
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A bar chart of `groups`, one bar per series in each. `id` must be unique on the
/// page; `summary` is the chart's accessible name.
pub fn bar_chart(id: &str, summary: &str, groups: &[String], series: &[ChartSeries]) -> String {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().filter_map(|v| v.0))
        .max()
        .unwrap_or(0)
        .max(1);
    let legend = series.len() > 1;
    let group_height = LABEL_HEIGHT + BAR_HEIGHT * series.len() as i64 + GROUP_GAP;
    let height = groups.len() as i64 * group_height + if legend { LEGEND_HEIGHT } else { 0 };
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" \
         aria-labelledby=\"{id}-title\" viewBox=\"0 0 {WIDTH} {height}\" \
         font-family=\"inherit\" font-size=\"13\">\
         <title id=\"{id}-title\">{}</title>\
         <defs><pattern id=\"{id}-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#ffffff\"/>\
         <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"{BAR}\" stroke-width=\"3\"/></pattern></defs>",
        escape(summary)
    );
    let fill = |i: usize| {
        if i == 0 {
            BAR.to_string()
        } else {
            format!("url(#{id}-hatch)")
        }
    };
    let mut y = 0;
    if legend {
        let mut x = 0;
        for (i, s) in series.iter().enumerate() {
            let _ = write!(
                svg,
                "<rect x=\"{x}\" y=\"4\" width=\"16\" height=\"14\" fill=\"{}\" stroke=\"{BAR}\"/>\
                 <text x=\"{}\" y=\"16\" fill=\"{TEXT}\">{}</text>",
                fill(i),
                x + 22,
                escape(&s.name)
            );
            x += 40 + 8 * s.name.chars().count() as i64;
        }
        y = LEGEND_HEIGHT;
    }
    for (g, group) in groups.iter().enumerate() {
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" fill=\"{TEXT}\" font-weight=\"bold\">{}</text>",
            y + 15,
            escape(group)
        );
        y += LABEL_HEIGHT;
        for (i, s) in series.iter().enumerate() {
            let (value, text) = s.values.get(g).cloned().unwrap_or((None, String::new()));
            let width = value.map_or(0, |v| (v.max(0) * BAR_AREA / max).max(1));
            if width > 0 {
                let _ = write!(
                    svg,
                    "<rect x=\"0\" y=\"{}\" width=\"{width}\" height=\"{}\" fill=\"{}\" stroke=\"{BAR}\"/>",
                    y + 2,
                    BAR_HEIGHT - 4,
                    fill(i)
                );
            }
            let label = if legend {
                format!("{}: {text}", s.name)
            } else {
                text
            };
            let _ = write!(
                svg,
                "<text x=\"{}\" y=\"{}\" fill=\"{TEXT}\">{}</text>",
                width + 6,
                y + 14,
                escape(&label)
            );
            y += BAR_HEIGHT;
        }
        y += GROUP_GAP;
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_scaled_labelled_and_escaped() {
        let svg = bar_chart(
            "c",
            "Logs <opened>",
            &["Nivå 1".into(), "Nivå 2 & 3".into()],
            &[
                ChartSeries {
                    name: "2026".into(),
                    values: vec![(Some(10), "10".into()), (None, "under 5".into())],
                },
                ChartSeries {
                    name: "2025".into(),
                    values: vec![(Some(5), "5".into()), (Some(20), "20".into())],
                },
            ],
        );
        assert!(svg.contains("<title id=\"c-title\">Logs &lt;opened&gt;</title>"));
        assert!(svg.contains("Nivå 2 &amp; 3"));
        // The largest value fills the bar area; "under 5" draws no bar but says so.
        assert!(svg.contains(&format!("width=\"{BAR_AREA}\"")));
        assert!(svg.contains(">2026: under 5</text>"));
        assert!(svg.contains("url(#c-hatch)"));
    }
}
