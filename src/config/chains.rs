//! `SIWE_CHAIN_IDS`: the EIP-155 chains a Sign-In with Ethereum message may name.

use super::{bad, ConfigError};

/// `SIWE_CHAIN_IDS`: comma-separated chain ids, each a whole number from 1; mainnet (1)
/// when unset.
pub fn chain_ids(value: Option<String>) -> Result<Vec<u64>, ConfigError> {
    let Some(value) = value else {
        return Ok(vec![1]);
    };
    let mut ids = Vec::new();
    for part in value.split(',').map(str::trim) {
        match part.parse::<u64>() {
            Ok(id) if id > 0 => {
                if !ids.contains(&id) {
                    ids.push(id)
                }
            }
            _ => {
                return Err(bad(
                    "SIWE_CHAIN_IDS",
                    format!("\"{part}\" is not a chain id (a whole number from 1, such as 1 for Ethereum mainnet)"),
                ))
            }
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_ids_are_whole_numbers_from_one_in_a_list() {
        assert_eq!(chain_ids(None).unwrap(), vec![1]);
        let ids = chain_ids(Some("1, 10,8453,10".into())).unwrap();
        assert_eq!(ids, vec![1, 10, 8453]);
        for bad in ["0", "1,,2", "-1", "x", "1.5", "99999999999999999999999"] {
            let e = chain_ids(Some(bad.into())).unwrap_err();
            assert_eq!(e.var, "SIWE_CHAIN_IDS", "{bad}");
            assert!(e.to_string().contains("is not a chain id"), "{e}");
        }
    }
}
