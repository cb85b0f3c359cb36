//! Small, allocation-free formatting helpers (timestamps in +08:00, amounts in cents).
//!
//! These are on the hot path (millions of lines at scale 100), so they avoid chrono's
//! formatter and write digits directly.

use std::fmt::Write as _;

/// The campaign timezone, +08:00, in seconds.
pub(crate) const TZ_OFFSET_S: i64 = 8 * 3600;

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m as u32, d as u32)
}

/// (year, month, day) → days since 1970-01-01.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Epoch seconds of local (+08:00) midnight starting the given calendar day.
pub(crate) fn local_midnight(y: i64, m: u32, d: u32) -> i64 {
    days_from_civil(y, m, d) * 86_400 - TZ_OFFSET_S
}

fn push2(buf: &mut String, v: u32) {
    buf.push((b'0' + (v / 10) as u8) as char);
    buf.push((b'0' + (v % 10) as u8) as char);
}

/// Appends `YYYY-MM-DDTHH:MM:SS+08:00` for the epoch second `t`.
pub(crate) fn push_ts(buf: &mut String, t: i64) {
    let local = t + TZ_OFFSET_S;
    let days = local.div_euclid(86_400);
    let sod = local.rem_euclid(86_400) as u32;
    let (y, m, d) = civil_from_days(days);
    let y = y as u32;
    push2(buf, y / 100);
    push2(buf, y % 100);
    buf.push('-');
    push2(buf, m);
    buf.push('-');
    push2(buf, d);
    buf.push('T');
    push2(buf, sod / 3600);
    buf.push(':');
    push2(buf, (sod / 60) % 60);
    buf.push(':');
    push2(buf, sod % 60);
    buf.push_str("+08:00");
}

/// RFC 3339 string with +08:00 for the epoch second `t`.
pub(crate) fn ts_string(t: i64) -> String {
    let mut s = String::with_capacity(25);
    push_ts(&mut s, t);
    s
}

/// Appends a non-negative or negative amount given in cents as `123.45`.
pub(crate) fn push_cents(buf: &mut String, cents: i64) {
    if cents < 0 {
        buf.push('-');
    }
    let c = cents.unsigned_abs();
    let _ = write!(buf, "{}.", c / 100);
    push2(buf, (c % 100) as u32);
}

/// Appends an unsigned integer.
pub(crate) fn push_u64(buf: &mut String, v: u64) {
    let _ = write!(buf, "{v}");
}

/// Appends an integer zero-padded to `width` digits.
pub(crate) fn push_padded(buf: &mut String, v: u64, width: usize) {
    let _ = write!(buf, "{v:0width$}");
}

/// Yuan (f64) → whole cents, rounded.
pub(crate) fn cents(yuan: f64) -> i64 {
    (yuan * 100.0).round() as i64
}
