//! Text for the screen: language, sanitising strings that come from data
//! files, display-width-aware truncation and padding (CJK characters are two
//! columns wide), and the number formats of the war room.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::config::PhaseKind;
use crate::time::Millis;

/// Screen language. Chinese is the default; data values (channel names …)
/// are shown as they are in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.to_ascii_lowercase().as_str() {
            "zh" | "cn" | "zh-cn" | "中文" => Some(Lang::Zh),
            "en" | "english" => Some(Lang::En),
            _ => None,
        }
    }

    /// The Chinese or the English text.
    pub fn t(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    pub fn is_zh(self) -> bool {
        self == Lang::Zh
    }
}

/// Make a string from a data file safe for the terminal: control
/// characters (C0, DEL, C1: ESC sequences start there), bidi overrides and
/// zero-width formatting characters are dropped; tabs and newlines become
/// spaces. Nothing from a file can move the cursor or change colours.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            // Bidi embeddings/overrides/isolates, zero-width and BOM.
            '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Display width in terminal columns.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// At most `w` columns of `s`; a cut string ends in `~`.
pub fn trunc(s: &str, w: usize) -> String {
    if width(s) <= w {
        return s.to_string();
    }
    if w == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + cw > w - 1 {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push('~');
    out
}

/// Lines of at most `w` columns holding all of `s`: Latin text breaks at
/// spaces, CJK text between any two characters (but a line does not start
/// with closing punctuation nor end with an opening one); a word wider
/// than the line is cut.
pub fn wrap(s: &str, w: usize) -> Vec<String> {
    const NO_START: &str = "、，。；：！？）)]}》」』,.;:!?%~·";
    const NO_END: &str = "（([{《「『";
    let wide = |c: char| UnicodeWidthChar::width(c).unwrap_or(0) > 1;
    if w == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut line = String::new();
    let mut lw = 0;
    // Byte offset in `line` where it may be broken.
    let mut brk: Option<usize> = None;
    let mut prev: Option<char> = None;
    for c in s.chars() {
        let cw = UnicodeWidthChar::width(c).unwrap_or(0);
        if let Some(p) = prev {
            let opportunity =
                p == ' ' || ((wide(c) || wide(p)) && !NO_START.contains(c) && !NO_END.contains(p));
            if opportunity {
                brk = Some(line.len());
            }
        }
        if lw + cw > w && !(c == ' ' && lw <= w) {
            let cut = brk.filter(|b| *b > 0).unwrap_or(line.len());
            let rest = line.split_off(cut);
            let head = line.trim_end().to_string();
            if !head.is_empty() {
                out.push(head);
            }
            line = rest.trim_start().to_string();
            // A piece still too wide (one long word): cut it.
            while width(&line) + cw > w && !line.is_empty() {
                let mut head = String::new();
                let mut hw = 0;
                let mut rest = String::new();
                for ch in line.chars() {
                    let chw = UnicodeWidthChar::width(ch).unwrap_or(0);
                    // (A character wider than the line goes alone.)
                    if rest.is_empty() && (hw + chw <= w || head.is_empty()) {
                        head.push(ch);
                        hw += chw;
                    } else {
                        rest.push(ch);
                    }
                }
                if rest.is_empty() {
                    // `line` itself fits; `c` goes on the next line.
                    out.push(head);
                    line = String::new();
                    break;
                }
                out.push(head);
                line = rest;
            }
            lw = width(&line);
            brk = None;
        }
        if !(line.is_empty() && c == ' ') {
            line.push(c);
            lw += cw;
        }
        prev = Some(c);
    }
    let last = line.trim_end();
    if !last.is_empty() {
        out.push(last.to_string());
    }
    out
}

/// Exactly `w` columns: truncated, then padded on the right.
pub fn pad(s: &str, w: usize) -> String {
    let mut t = trunc(s, w);
    let n = width(&t);
    t.extend(std::iter::repeat_n(' ', w.saturating_sub(n)));
    t
}

/// Exactly `w` columns, right-aligned.
pub fn rpad(s: &str, w: usize) -> String {
    let t = trunc(s, w);
    let n = width(&t);
    let mut out: String = std::iter::repeat_n(' ', w.saturating_sub(n)).collect();
    out.push_str(&t);
    out
}

/// Money in yuan, short: ¥8,650 · ¥12.3万 · ¥1.23亿 (zh); ¥8,650 · ¥123.4k · ¥1.23M (en).
pub fn money(lang: Lang, yuan: f64) -> String {
    if !yuan.is_finite() {
        return "-".into();
    }
    let sign = if yuan < 0.0 { "-" } else { "" };
    let a = yuan.abs();
    let body = match lang {
        Lang::Zh => {
            if a >= 1e8 {
                format!("{:.2}亿", a / 1e8)
            } else if a >= 1e5 {
                format!("{:.1}万", a / 1e4)
            } else if a >= 1e4 {
                format!("{:.2}万", a / 1e4)
            } else {
                group(a.round() as u64)
            }
        }
        Lang::En => {
            if a >= 1e9 {
                format!("{:.2}B", a / 1e9)
            } else if a >= 1e6 {
                format!("{:.2}M", a / 1e6)
            } else if a >= 1e4 {
                format!("{:.1}k", a / 1e3)
            } else {
                group(a.round() as u64)
            }
        }
    };
    format!("{sign}¥{body}")
}

/// An integer with thousands separators.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count, short when large: 12,345 · 123.4万 (zh) / 123.4k (en).
pub fn count(lang: Lang, n: u64) -> String {
    let x = n as f64;
    match lang {
        Lang::Zh if n >= 1_000_000 => format!("{:.1}万", x / 1e4),
        Lang::En if n >= 1_000_000 => format!("{:.2}M", x / 1e6),
        _ => group(n),
    }
}

/// A ratio as a percentage, one decimal; `-` for no value.
pub fn pct(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{:.1}%", v * 100.0),
        _ => "-".into(),
    }
}

/// A ratio as a percentage, no decimals (progress figures).
pub fn pct0(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{:.0}%", v * 100.0),
        _ => "-".into(),
    }
}

/// A plain number with `d` decimals; `-` for no value.
pub fn num(x: Option<f64>, d: usize) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:.d$}"),
        _ => "-".into(),
    }
}

/// A signed relative change: +12.3% / −4.0%.
pub fn change(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{:+.1}%", v * 100.0),
        _ => "-".into(),
    }
}

/// A duration, compact: 45s · 12m · 3h05m · 2d04h.
pub fn dur(ms: Millis) -> String {
    let s = (ms.max(0) / 1000) as u64;
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m", s / 60)
    } else if s < 86_400 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600)
    }
}

/// "per bucket" in words: 分钟/min for the default minute, 小时/hour, 天/day,
/// else the bucket's minutes (5分钟/5 min) or seconds.
pub fn per_bucket(lang: Lang, bucket_ms: Millis) -> String {
    let s = bucket_ms / 1000;
    match (lang, s) {
        (Lang::Zh, 60) => "分钟".into(),
        (Lang::En, 60) => "min".into(),
        (Lang::Zh, 3600) => "小时".into(),
        (Lang::En, 3600) => "hour".into(),
        (Lang::Zh, 86_400) => "天".into(),
        (Lang::En, 86_400) => "day".into(),
        (Lang::Zh, s) if s % 60 == 0 => format!("{}分钟", s / 60),
        (Lang::En, s) if s % 60 == 0 => format!("{} min", s / 60),
        (Lang::Zh, s) => format!("{s}秒"),
        (Lang::En, s) => format!("{s} s"),
    }
}

/// A countdown, clock style: 16:09:59 (or 2d 04:00:00).
pub fn countdown(ms: Millis) -> String {
    let s = (ms.max(0) / 1000) as u64;
    let (d, h, m, sec) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60, s % 60);
    if d > 0 {
        format!("{d}d {h:02}:{m:02}:{sec:02}")
    } else {
        format!("{h:02}:{m:02}:{sec:02}")
    }
}

/// A phase's display name: the configured name in Chinese; in English the
/// known kinds get their English name, custom names stay.
pub fn phase_name(lang: Lang, name: &str, kind: PhaseKind) -> String {
    match (lang, kind) {
        (Lang::Zh, _) | (_, PhaseKind::Other) => clean(name),
        (Lang::En, PhaseKind::Prep) => "prep".into(),
        (Lang::En, PhaseKind::Warmup) => "warm-up".into(),
        (Lang::En, PhaseKind::Burst) => "burst".into(),
        (Lang::En, PhaseKind::Wrapup) => "wrap-up".into(),
    }
}

/// Short English names of the alert metrics (the core has the Chinese ones).
pub fn metric_en(metric: &str) -> &str {
    match metric {
        "cr.visit_view" => "visit>view rate",
        "cr.view_cart" => "view>cart rate",
        "cr.cart_order" => "cart>order rate",
        "cr.order_pay" => "pay conversion",
        "cr.overall" => "overall conversion",
        "uv" => "visitors (UV)",
        "gmv" => "GMV",
        "orders" => "orders",
        "budget.pace" => "budget burn pace",
        "roi" => "ROI",
        "cs.response_15s" => "15s response rate",
        "cs.fcr" => "first-contact resolution",
        "cs.satisfaction" => "satisfaction",
        "cs.backlog" => "reply backlog",
        "cs.complaints" => "complaint share",
        "cs.refunds" => "refund-query share",
        "cs.bad_reviews" => "bad-review share",
        "stock.on_hand" => "stock on hand",
        "feed.stall" => "feed stalled (min)",
        "feed.bad_lines" => "bad-line share",
        other => other,
    }
}

/// The metric's name in the screen language.
pub fn metric_label(lang: Lang, metric: &str) -> String {
    clean(match lang {
        Lang::Zh => crate::alerts::log::metric_zh(metric),
        Lang::En => metric_en(metric),
    })
}

/// A figure of an alert's metric: money in the screen's language, the rest
/// as the alert log writes it (narrow `x` for the multiplication sign).
pub fn fmt_metric(lang: Lang, metric: &str, v: f64) -> String {
    match metric {
        "gmv" | "spend" => money(lang, v),
        _ => crate::alerts::log::fmt_value(metric, v).replace('×', "x"),
    }
}

/// Funnel stage names, in order.
pub fn stage(lang: Lang, i: usize) -> &'static str {
    let zh = ["访问", "浏览", "加购", "下单", "支付"];
    let en = ["visit", "view", "cart", "order", "pay"];
    match lang {
        Lang::Zh => zh.get(i).copied().unwrap_or(""),
        Lang::En => en.get(i).copied().unwrap_or(""),
    }
}

/// A burn window's length, short: 30分 / 2h / 1h30 (zh); 30m / 2h / 1h30 (en).
pub fn window_len(lang: Lang, ms: Millis) -> String {
    let m = ms.max(0) / 60_000;
    if m < 60 {
        format!("{m}{}", lang.t("分", "m"))
    } else if m % 60 == 0 {
        format!("{}h", m / 60)
    } else {
        format!("{}h{:02}", m / 60, m % 60)
    }
}

/// The label of a line's current burn (the `budget-pace` rule's window):
/// 近2h / last 2h (`short`: 2h in English), or 匀速 / even when the rule
/// judges the phase so far against an even spread (no baseline).
pub fn burn_label(lang: Lang, window: Millis, even: bool, short: bool) -> String {
    if even {
        return lang.t("匀速", "even").into();
    }
    let len = window_len(lang, window);
    match (lang.is_zh(), short) {
        (true, _) => format!("近{len}"),
        (false, false) => format!("last {len}"),
        (false, true) => len,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn per_bucket_names_the_bucket_width() {
        assert_eq!(per_bucket(Lang::Zh, 60_000), "分钟");
        assert_eq!(per_bucket(Lang::En, 3_600_000), "hour");
        assert_eq!(per_bucket(Lang::Zh, 300_000), "5分钟");
        assert_eq!(per_bucket(Lang::En, 30_000), "30 s");
    }

    use super::*;

    #[test]
    fn clean_strips_terminal_controls() {
        assert_eq!(clean("a\u{1b}[31mb\u{7}c"), "a[31mbc");
        assert_eq!(clean("x\u{9b}31m"), "x31m");
        assert_eq!(clean("直播\u{202e}evil"), "直播evil");
        assert_eq!(clean("a\tb\nc"), "a b c");
    }

    #[test]
    fn width_aware_truncation() {
        assert_eq!(width("美妆"), 4);
        assert_eq!(trunc("美妆家电", 5), "美妆~");
        assert_eq!(pad("美妆", 6), "美妆  ");
        assert_eq!(rpad("美妆", 6), "  美妆");
        assert_eq!(pad("美妆家电", 3), "美~");
        assert_eq!(width(&pad("美妆家电", 4)), 4);
        assert_eq!(trunc("abc", 0), "");
    }

    #[test]
    fn wrapping_cjk_and_latin() {
        // A character wider than the line still makes progress.
        assert_eq!(wrap("支付", 1), ["支", "付"]);
        for w in 2..40 {
            for s in [
                "下单→支付转化率低于预期 (支付通道故障)",
                "order→pay conversion below expectation (payment channel failure)",
                "流量远高于预期而整体转化率下跌 (机器人流量、刷单、高负载下结算故障); 阈值为转化率跌幅",
                "averyveryverylongwordthatdoesnotfit 短 x",
            ] {
                let lines = wrap(s, w);
                for l in &lines {
                    assert!(width(l) <= w, "{w}: {l:?} of {s:?}");
                    assert!(!l.starts_with(' ') && !l.ends_with(' '), "{l:?}");
                }
                // Nothing lost but the spaces at the breaks.
                let strip = |x: &str| x.chars().filter(|c| *c != ' ').collect::<String>();
                assert_eq!(strip(&lines.concat()), strip(s), "{w}: {lines:?}");
            }
        }
        assert_eq!(
            wrap("order→pay conversion below expectation", 20),
            ["order→pay conversion", "below expectation"]
        );
        // CJK breaks anywhere, but not before "、" or ")" nor after "(".
        assert_eq!(wrap("库存低于安全、断货", 12), ["库存低于安", "全、断货"]);
        assert_eq!(wrap("支付通道 (故障)", 10), ["支付通道", "(故障)"]);
        assert_eq!(wrap("", 10), Vec::<String>::new());
    }

    #[test]
    fn numbers() {
        assert_eq!(group(1234567), "1,234,567");
        assert_eq!(money(Lang::Zh, 8650.0), "¥8,650");
        assert_eq!(money(Lang::Zh, 1_234_567.0), "¥123.5万");
        assert_eq!(money(Lang::Zh, 2.5e8), "¥2.50亿");
        assert_eq!(money(Lang::En, 1_234_567.0), "¥1.23M");
        assert_eq!(pct(Some(0.6812)), "68.1%");
        assert_eq!(pct(None), "-");
        assert_eq!(dur(3 * 3_600_000 + 5 * 60_000), "3h05m");
        assert_eq!(countdown(16 * 3_600_000 + 10 * 60_000), "16:10:00");
    }
}
