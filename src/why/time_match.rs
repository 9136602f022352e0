//! `-m time` (parental control, office hours) judged against the clock now, as xt_time does:
//! UTC unless `--kerneltz` (the kernel's timezone is not read: then not understood), the
//! date range first, then the time of day (a window past midnight wraps; `--contiguous` makes
//! its morning part count as the day before for `--weekdays` and `--monthdays`).

use std::time::{SystemTime, UNIX_EPOCH};

const DAY: i64 = 86_400;
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Whether `opt` belongs to `-m time` (judged whole by `hold`).
pub(crate) fn owns(module: &str, opt: &str) -> bool {
    module == "time"
        && matches!(
            opt,
            "--timestart"
                | "--timestop"
                | "--datestart"
                | "--datestop"
                | "--weekdays"
                | "--monthdays"
                | "--contiguous"
                | "--kerneltz"
                | "--localtz"
                | "--utc"
        )
}

/// A rule's `-m time` options: (negated, option, words).
type Opts<'a> = [(bool, &'a str, Vec<&'a str>)];

/// The time window of `opts` (the options of one `-m time`), read.
struct Window {
    start: i64,
    stop: i64,
    date_start: i64,
    date_stop: i64,
    /// Bit d for weekday d (1 Monday … 7 Sunday), bit d for day of month d.
    weekdays: u8,
    monthdays: u32,
    contiguous: bool,
}

fn window(opts: &Opts) -> Option<Window> {
    let mut w = Window {
        start: 0,
        stop: DAY - 1,
        date_start: 0,
        date_stop: i64::from(i32::MAX),
        weekdays: 0xfe,
        monthdays: 0xffff_fffe,
        contiguous: false,
    };
    for (neg, opt, args) in opts {
        let arg = args.first().copied().unwrap_or("");
        match *opt {
            "--timestart" => w.start = clock(arg)?,
            "--timestop" => w.stop = clock(arg)?,
            "--datestart" => w.date_start = date(arg)?,
            "--datestop" => w.date_stop = date(arg)?,
            "--weekdays" => w.weekdays = days(arg, weekday, 7)? as u8,
            "--monthdays" => w.monthdays = days(arg, |d| d.parse().ok(), 31)?,
            "--contiguous" => w.contiguous = true,
            "--utc" => {}
            // The kernel's timezone is not read.
            _ => return None,
        }
        match (*neg, *opt) {
            (false, _) => {}
            (true, "--weekdays") => w.weekdays = !w.weekdays & 0xfe,
            (true, "--monthdays") => w.monthdays = !w.monthdays & 0xffff_fffe,
            (true, _) => return None,
        }
    }
    Some(w)
}

/// Whether the `-m time` options `opts` hold at `now` (seconds since the epoch, UTC).
pub(crate) fn hold_at(opts: &Opts, now: i64) -> Option<bool> {
    let w = window(opts)?;
    if now < w.date_start || now > w.date_stop {
        return Some(false);
    }
    let mut stamp = now;
    let t = now.rem_euclid(DAY);
    if w.start < w.stop {
        if t < w.start || t > w.stop {
            return Some(false);
        }
    } else {
        if t < w.start && t > w.stop {
            return Some(false);
        }
        if w.contiguous && t <= w.stop {
            stamp -= DAY;
        }
    }
    let days = stamp.div_euclid(DAY);
    // 1970-01-01 was a Thursday (4).
    let wd = (days + 3).rem_euclid(7) + 1;
    if w.weekdays & (1 << wd) == 0 {
        return Some(false);
    }
    let (_, _, md) = civil(days);
    Some(w.monthdays & (1 << md) != 0)
}

/// `hold_at` the clock now.
pub(crate) fn hold(opts: &Opts) -> Option<bool> {
    hold_at(opts, now())
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `-m time`'s window in a rule's text, in words, and whether it holds now:
/// ` (its time window, 10:00:00 to 11:00:00 UTC, holds now)`.
pub(crate) fn note(spec: &str) -> String {
    let words: Vec<&str> = spec.split_whitespace().collect();
    let Some(at) = words.windows(2).position(|w| w == ["-m", "time"]) else {
        return String::new();
    };
    let mut opts = vec![];
    let mut i = at + 2;
    while i < words.len() && owns("time", words[i]) {
        let mut args = vec![];
        let opt = words[i];
        i += 1;
        while i < words.len() && !words[i].starts_with("--") && words[i] != "-j" {
            args.push(words[i]);
            i += 1;
        }
        opts.push((false, opt, args));
    }
    let (Some(w), Some(h)) = (window(&opts), hold(&opts)) else {
        return String::new();
    };
    let mut win = match (w.start, w.stop) {
        (0, s) if s == DAY - 1 => "all day".to_string(),
        (a, b) => format!("{} to {} UTC", hms(a), hms(b)),
    };
    if w.weekdays != 0xfe {
        let on: Vec<&str> = (1..=7)
            .filter(|d| w.weekdays & (1 << d) != 0)
            .map(|d| WEEKDAYS[d - 1])
            .collect();
        win.push_str(&format!(" on {}", on.join(",")));
    }
    let verb = if h { "holds" } else { "does not hold" };
    format!(" (its time window, {win}, {verb} now)")
}

fn hms(s: i64) -> String {
    format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
}

/// `hh:mm[:ss]` in seconds of the day.
fn clock(s: &str) -> Option<i64> {
    let mut p = s.split(':').map(|x| x.parse::<i64>().ok());
    let (h, m, sec) = (p.next()??, p.next()??, p.next().unwrap_or(Some(0))?);
    (h < 24 && m < 60 && sec < 60).then_some(h * 3600 + m * 60 + sec)
}

/// `YYYY[-MM[-DD[Thh[:mm[:ss]]]]]` (UTC) in seconds since the epoch.
fn date(s: &str) -> Option<i64> {
    let (d, t) = s.split_once('T').unwrap_or((s, ""));
    let mut p = d.split('-').map(|x| x.parse::<i64>().ok());
    let y = p.next()??;
    let m = p.next().unwrap_or(Some(1))?;
    let dd = p.next().unwrap_or(Some(1))?;
    let secs = match t {
        "" => 0,
        t if t.contains(':') => clock(t)?,
        t => t.parse::<i64>().ok()? * 3600,
    };
    Some(days_from_civil(y, m, dd) * DAY + secs)
}

/// `Mon,Tue` or `1,2` into a bit set (bit d for day d), days 1..=max.
fn days(s: &str, one: impl Fn(&str) -> Option<u32>, max: u32) -> Option<u32> {
    s.split(',').try_fold(0u32, |acc, d| {
        let n = one(d)?;
        (1..=max).contains(&n).then_some(acc | 1 << n)
    })
}

fn weekday(d: &str) -> Option<u32> {
    d.parse().ok().or_else(|| {
        let short = d.get(..3)?;
        WEEKDAYS
            .iter()
            .position(|w| w.eq_ignore_ascii_case(short))
            .map(|i| i as u32 + 1)
    })
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day since 1970-01-01.
fn civil(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(opts: &[(&str, &str)], now: i64) -> Option<bool> {
        let o: Vec<(bool, &str, Vec<&str>)> = opts
            .iter()
            .map(|(o, a)| (false, *o, if a.is_empty() { vec![] } else { vec![*a] }))
            .collect();
        hold_at(&o, now)
    }

    #[test]
    fn windows_dates_and_days() {
        // 2026-12-03 (a Thursday) 04:56:00 UTC.
        let now = date("2026-12-03T04:56:00").unwrap();
        assert_eq!(civil(now / DAY), (2026, 12, 3));
        let win = |a, b| at(&[("--timestart", a), ("--timestop", b)], now);
        assert_eq!(win("04:00", "05:00"), Some(true));
        assert_eq!(win("05:00:00", "06:00:00"), Some(false));
        assert_eq!(win("22:00", "06:00"), Some(true));
        assert_eq!(win("06:00", "04:00"), Some(false));
        assert_eq!(at(&[("--weekdays", "Thu,Fri")], now), Some(true));
        assert_eq!(at(&[("--weekdays", "1,2")], now), Some(false));
        assert_eq!(at(&[("--monthdays", "3")], now), Some(true));
        assert_eq!(
            at(&[("--datestop", "2038-01-19T03:14:07")], now),
            Some(true)
        );
        assert_eq!(at(&[("--datestart", "2027-01-01")], now), Some(false));
        assert_eq!(at(&[("--kerneltz", "")], now), None);
        // Contiguous: the morning of a 22:00-06:00 window counts as Wednesday.
        let c = [
            ("--timestart", "22:00"),
            ("--timestop", "06:00"),
            ("--weekdays", "Wed"),
            ("--contiguous", ""),
        ];
        assert_eq!(at(&c, now), Some(true));
        assert_eq!(at(&c[..3], now), Some(false));
    }
}
