//! Reading one setting: flag over file, parsing, one message naming it; durations, numbers,
//! word choices and secrets from files.

use super::*;

/// Parses `30s`, `15m`/`15min`, `12h`, `14d` (a bare number is seconds).
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{raw:?} is not a duration like 30s, 15m, 12h or 14d"))?;
    let seconds = match unit.trim() {
        "" | "s" => n,
        "m" | "min" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => {
            return Err(format!(
                "{raw:?} is not a duration like 30s, 15m, 12h or 14d"
            ))
        }
    };
    Ok(Duration::from_secs(seconds))
}

pub(super) fn read_secret_file(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// A flag (or its environment variable) wins over the file.
pub(super) fn pick(arg: &Option<String>, file: &Option<String>) -> Option<String> {
    arg.clone().or_else(|| file.clone())
}

/// A secret given as a flag, else read from the file named by `path` (its flag is
/// `path_setting`), else from the configuration file.
pub(super) fn secret_setting(
    errors: &mut Vec<String>,
    path_setting: &str,
    arg: &Option<String>,
    path: &Option<PathBuf>,
    file: &Option<String>,
) -> Option<String> {
    match (arg, path) {
        (Some(value), _) => Some(value.clone()),
        (None, Some(path)) => read_secret_file(path)
            .map_err(|e| errors.push(format!("{path_setting}: {e}")))
            .ok(),
        (None, None) => file.clone(),
    }
}

/// A setting's value: `default` when it is unset, and when `parse` refuses it, which is an
/// error naming the setting (the load then fails, so that `default` is never used).
pub(super) fn setting<T>(
    errors: &mut Vec<String>,
    name: &str,
    raw: Option<String>,
    default: T,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> T {
    match raw {
        None => default,
        Some(raw) => parse(&raw).unwrap_or_else(|e| {
            errors.push(format!("{name}: {e}"));
            default
        }),
    }
}

/// One of a few words, each option listing the words that choose it; `expected` says which
/// for a word not listed.
pub(super) fn one_of<'a, T: Copy>(
    options: &'a [(&[&str], T)],
    expected: &'a str,
) -> impl FnOnce(&str) -> Result<T, String> + 'a {
    move |raw| match options.iter().find(|(words, _)| words.contains(&raw)) {
        Some((_, value)) => Ok(*value),
        None => Err(format!("{raw:?} is not {expected}")),
    }
}

/// A whole number in `min..=max`.
pub(super) fn whole_number(min: u64, max: u64) -> impl FnOnce(&str) -> Result<u64, String> {
    move |raw| match raw.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("{raw:?} is not a whole number from {min} to {max}")),
    }
}

/// A duration that may be in `ms` (tests use sub-second waits), zero only when `zero_ok`;
/// `examples` end the message for a bad one.
pub(super) fn short_duration(
    zero_ok: bool,
    examples: &str,
) -> impl FnOnce(&str) -> Result<Duration, String> + '_ {
    move |raw| match parse_short_duration(raw) {
        Some(v) if zero_ok || !v.is_zero() => Ok(v),
        _ => Err(format!("{raw:?} is not a duration like {examples}")),
    }
}
