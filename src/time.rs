//! Event time: parsing the three timestamp forms of the data contract and
//! formatting instants in the campaign's timezone.
//!
//! Instants are `i64` epoch milliseconds everywhere in the core: cheap to
//! compare, bucket and store, and free of timezone ambiguity.

use chrono::{DateTime, FixedOffset, NaiveDateTime, SecondsFormat, TimeZone, Utc};

/// Epoch milliseconds.
pub type Millis = i64;

pub const SECOND: Millis = 1_000;
pub const MINUTE: Millis = 60 * SECOND;
pub const HOUR: Millis = 60 * MINUTE;

/// Parse a textual timestamp: RFC 3339 with offset, RFC 3339 without offset,
/// or `YYYY-MM-DD HH:MM:SS[.fff]`; the last two are read in `tz`.
/// An all-digit string is taken as epoch milliseconds (CSV cells are text).
pub fn parse_ts_str(s: &str, tz: FixedOffset) -> Option<Millis> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().ok();
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp_millis());
    }
    // Naive forms: the `T` or a space between date and time, optional fraction.
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, fmt) {
            return tz
                .from_local_datetime(&naive)
                .single()
                .map(|dt| dt.timestamp_millis());
        }
    }
    None
}

/// Parse a timezone written as `+08:00`, `-05:30`, `+0800`, `UTC` or `Z`.
pub fn parse_offset(s: &str) -> Option<FixedOffset> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("utc") || s == "Z" {
        return FixedOffset::east_opt(0);
    }
    // Borrow chrono's offset parser through a dummy RFC 3339 stamp.
    let normalized = if s.len() == 5 && !s.contains(':') {
        format!("{}:{}", &s[..3], &s[3..])
    } else {
        s.to_string()
    };
    DateTime::parse_from_rfc3339(&format!("2000-01-01T00:00:00{normalized}"))
        .ok()
        .map(|dt| *dt.offset())
}

/// RFC 3339 with the campaign's offset, seconds precision unless the instant
/// has milliseconds.
pub fn format_ts(ms: Millis, tz: FixedOffset) -> String {
    let utc = Utc
        .timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let local = utc.with_timezone(&tz);
    let format = if ms.rem_euclid(1000) == 0 {
        SecondsFormat::Secs
    } else {
        SecondsFormat::Millis
    };
    local.to_rfc3339_opts(format, false)
}

/// `HH:MM:SS` wall time in the campaign timezone, for headlines.
pub fn format_clock(ms: Millis, tz: FixedOffset) -> String {
    let utc = Utc
        .timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    utc.with_timezone(&tz).format("%m-%d %H:%M:%S").to_string()
}

/// Start of the bucket of width `width` that holds `ms` (floor, also for
/// instants before 1970).
pub fn bucket_start(ms: Millis, width: Millis) -> Millis {
    ms - ms.rem_euclid(width)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cst() -> FixedOffset {
        parse_offset("+08:00").unwrap()
    }

    #[test]
    fn parses_every_contract_form_to_the_same_instant() {
        let expected = 1_762_790_405_000; // 2025-11-11T00:00:05+08:00
        let tz = cst();
        for s in [
            "2025-11-11T00:00:05+08:00",
            "2025-11-10T16:00:05Z",
            "2025-11-11T00:00:05",
            "2025-11-11 00:00:05",
            "1762790405000",
        ] {
            assert_eq!(parse_ts_str(s, tz), Some(expected), "{s}");
        }
        assert_eq!(
            parse_ts_str("2025-11-11T00:00:05.250+08:00", tz),
            Some(expected + 250)
        );
        assert_eq!(
            parse_ts_str("2025-11-11 00:00:05.5", tz),
            Some(expected + 500)
        );
    }

    #[test]
    fn rejects_garbage() {
        let tz = cst();
        for s in [
            "",
            "yesterday",
            "2025-13-01T00:00:00Z",
            "2025-11-11",
            "12ab",
        ] {
            assert_eq!(parse_ts_str(s, tz), None, "{s}");
        }
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+08:00").unwrap().local_minus_utc(), 8 * 3600);
        assert_eq!(parse_offset("+0800").unwrap().local_minus_utc(), 8 * 3600);
        assert_eq!(
            parse_offset("-05:30").unwrap().local_minus_utc(),
            -(5 * 3600 + 1800)
        );
        assert_eq!(parse_offset("UTC").unwrap().local_minus_utc(), 0);
        assert!(parse_offset("Asia/Shanghai").is_none());
    }

    #[test]
    fn formats_in_campaign_zone() {
        assert_eq!(
            format_ts(1_762_790_405_000, cst()),
            "2025-11-11T00:00:05+08:00"
        );
        assert_eq!(
            format_ts(1_762_790_405_250, cst()),
            "2025-11-11T00:00:05.250+08:00"
        );
    }

    #[test]
    fn bucket_floor_handles_negative_instants() {
        assert_eq!(bucket_start(-1, MINUTE), -MINUTE);
        assert_eq!(bucket_start(59_999, MINUTE), 0);
        assert_eq!(bucket_start(60_000, MINUTE), 60_000);
    }
}
