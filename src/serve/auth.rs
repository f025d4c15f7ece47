//! Office users' passwords (argon2id), unguessable tokens, and region scopes.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

/// 128 random bits as 32 lowercase hex digits: draft links, sessions, CSRF tokens.
pub fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or copied by hand survives.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters of a 取回码: 12 × 5 = 60 random bits.
const RECOVERY_CHARS: usize = 12;

/// The first characters of a 取回码 are its selector, stored in clear to find the hash to check
/// (10 bits); the 50 bits after it are known only as part of the argon2id hash.
const RECOVERY_SELECTOR_CHARS: usize = 2;

/// The selector of a normalised 取回码 ([`normalize_recovery_code`]).
pub fn recovery_selector(canonical: &str) -> &str {
    canonical
        .get(..RECOVERY_SELECTOR_CHARS)
        .unwrap_or(canonical)
}

/// A fresh 取回码 (recovery code): 60 random bits as 12 Crockford base32 characters in groups of
/// four, `7K3M-Q9TX-2HDA`, printable and easy to copy by hand.
pub fn recovery_code() -> anyhow::Result<String> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    let mut bits = u64::from_le_bytes(bytes);
    let mut code = String::with_capacity(RECOVERY_CHARS + 2);
    for i in 0..RECOVERY_CHARS {
        if i > 0 && i % 4 == 0 {
            code.push('-');
        }
        code.push(char::from(CROCKFORD[(bits & 31) as usize]));
        bits >>= 5;
    }
    Ok(code)
}

/// The canonical form of a typed 取回码, or None when it cannot be one: case, spaces, hyphens and
/// full-width characters do not matter, and O, I, L read as 0, 1, 1 (Crockford's rule).
pub fn normalize_recovery_code(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(RECOVERY_CHARS);
    for c in typed.chars().map(half_width) {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' | '\t' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c if c.is_ascii() && CROCKFORD.contains(&(c as u8)) => c,
            _ => return None,
        };
        out.push(c);
    }
    (out.len() == RECOVERY_CHARS).then_some(out)
}

/// A full-width ASCII form (`９１`, `－`, the ideographic space) as its half-width character.
pub fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Does `s` look like a token we issue? Checked before any database look-up.
pub fn is_token(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Hash a password as an argon2id PHC string with a random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

/// Does `password` match the stored PHC string? A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// What an API token starts with, so it is recognised in a configuration file or a leak scan.
pub const API_TOKEN_PREFIX: &str = "smx_";

/// A new API token: its public id (64 random bits as 16 hex digits), its secret (128 bits as 32)
/// and the whole token as the platform sends it, `smx_<id>_<secret>`.
pub fn new_api_token() -> anyhow::Result<(String, String, String)> {
    let id = random_token()?[..16].to_string();
    let secret = random_token()?;
    let token = format!("{API_TOKEN_PREFIX}{id}_{secret}");
    Ok((id, secret, token))
}

/// The id and secret of a token as sent, or None when it cannot be one of ours.
pub fn split_api_token(token: &str) -> Option<(&str, &str)> {
    let (id, secret) = token.strip_prefix(API_TOKEN_PREFIX)?.split_once('_')?;
    let hex = |s: &str, n: usize| {
        s.len() == n && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    (hex(id, 16) && is_token(secret)).then_some((id, secret))
}

/// The stored form of an API token's secret: BLAKE2s-256 as hex. A secret of 128 random bits
/// needs no slow password hash (nothing to guess from a dictionary), and a fast one keeps every
/// API request cheap.
pub fn hash_api_secret(secret: &str) -> String {
    use blake2::Digest;
    blake2::Blake2s256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compare secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The code prefix a region code covers: trailing `00` pairs name the whole province or city
/// (510100 → 5101, 510000 → 51, 000000 → everything). Only digits, at most six.
pub fn region_scope(code: &str) -> Option<String> {
    let code = code.trim();
    if code.len() > 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut scope = code;
    while scope.len() >= 2 && scope.len().is_multiple_of(2) && scope.ends_with("00") {
        scope = &scope[..scope.len() - 2];
    }
    Some(scope.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_tokens_split_into_id_and_secret_and_only_the_hash_is_kept() {
        let (id, secret, token) = new_api_token().unwrap();
        assert_eq!(
            split_api_token(&token),
            Some((id.as_str(), secret.as_str()))
        );
        let hash = hash_api_secret(&secret);
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&secret));
        assert_ne!(hash, hash_api_secret(&random_token().unwrap()));
        for bad in [
            "",
            "smx_",
            &token[4..],
            &token.replace('_', "-"),
            &format!("{token}0"),
        ] {
            assert_eq!(split_api_token(bad), None, "{bad}");
        }
    }

    #[test]
    fn region_codes_cover_their_subdivisions() {
        assert_eq!(region_scope("510100").as_deref(), Some("5101"));
        assert_eq!(region_scope("510000").as_deref(), Some("51"));
        assert_eq!(region_scope("510104").as_deref(), Some("510104"));
        assert_eq!(region_scope("000000").as_deref(), Some(""));
        assert_eq!(region_scope("5101").as_deref(), Some("5101"));
        assert_eq!(region_scope("51%"), None);
        assert_eq!(region_scope("5101001"), None);
    }

    #[test]
    fn tokens_are_128_bit_hex_and_distinct() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert!(is_token(&a) && is_token(&b) && a != b);
        assert!(!is_token("../etc/passwd") && !is_token(&a.to_uppercase()));
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct hors", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(same_secret("abc", "abc") && !same_secret("abc", "abd") && !same_secret("a", "ab"));
    }

    #[test]
    fn recovery_codes_are_printable_and_forgive_how_they_are_typed() {
        let code = recovery_code().unwrap();
        assert_eq!(code.len(), 14, "{code}");
        assert_eq!(code.matches('-').count(), 2);
        assert_ne!(code, recovery_code().unwrap());
        let canon = normalize_recovery_code(&code).unwrap();
        assert_eq!(canon, code.replace('-', ""));
        assert_eq!(recovery_selector(&canon), &code[..2]);
        assert_eq!(
            normalize_recovery_code(" 7k3m q9tx－2hda ").as_deref(),
            Some("7K3MQ9TX2HDA")
        );
        assert_eq!(
            normalize_recovery_code("oilO-0000-0000").as_deref(),
            Some("011000000000")
        );
        assert_eq!(normalize_recovery_code("7K3M-Q9TX-2HD"), None, "too short");
        assert_eq!(
            normalize_recovery_code("7K3M-Q9TX-2HDU"),
            None,
            "U is not used"
        );
        assert_eq!(normalize_recovery_code("7K3M-Q9TX-2HD啊"), None);
    }
}
