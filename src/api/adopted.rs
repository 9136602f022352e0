//! `#{ adopted: true }`: the option with which a script deletes what the lab did not make (the
//! host's uplink, a namespace or an address someone else made); without it the judge refuses.

use super::error::DslError;
use rhai::Map;

/// The options of a deletion: `adopted: true` or `false`, nothing else.
pub(crate) fn adopted(verb: &str, m: &Map) -> Result<bool, DslError> {
    if let Some(k) = m.keys().find(|k| k.as_str() != "adopted") {
        return Err(DslError::new(
            "netsh::option",
            format!("{verb} has no option \"{k}\""),
            "its only option is adopted: true, to delete what the lab did not make",
        ));
    }
    match m.get("adopted") {
        None => Ok(false),
        Some(v) => v.as_bool().map_err(|t| {
            DslError::new(
                "netsh::option",
                format!("{verb} option adopted must be true or false, not {t}"),
                "write adopted: true",
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhai::Dynamic;

    fn map(pairs: &[(&str, Dynamic)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), v.clone()))
            .collect()
    }

    #[test]
    fn only_adopted_and_only_a_bool() {
        assert_eq!(adopted("delete", &map(&[])), Ok(false));
        assert_eq!(
            adopted("delete", &map(&[("adopted", true.into())])),
            Ok(true)
        );
        let e = adopted("delete", &map(&[("force", true.into())])).unwrap_err();
        assert_eq!(e.message, "delete has no option \"force\"");
        let e = adopted("delete", &map(&[("adopted", "yes".into())])).unwrap_err();
        assert_eq!(
            e.message,
            "delete option adopted must be true or false, not string"
        );
    }
}
