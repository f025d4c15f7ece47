//! 统一社会信用代码 (GB 32100-2015): format and check digit.

/// The 31 characters a code may use; a character's value is its index.
const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Per byte: its value in [`ALPHABET`], or `NONE` (a table: aggregation checks a code per line).
const VALUES: [u8; 256] = {
    let mut table = [NONE; 256];
    let alphabet = ALPHABET.as_bytes();
    let mut i = 0;
    while i < alphabet.len() {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};
const NONE: u8 = u8::MAX;
/// 3^(i-1) mod 31 for positions 1–17.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a code is not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditCodeError {
    /// Not 18 characters.
    Length(usize),
    /// A character outside the GB 32100 set (I, O, S, V, Z and lower case are not used).
    Character { position: usize, found: char },
    /// The 18th character does not match the others.
    CheckDigit { expected: char, found: char },
}

impl std::fmt::Display for CreditCodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CreditCodeError::Length(n) => {
                write!(f, "has {n} characters; a 统一社会信用代码 has 18")
            }
            CreditCodeError::Character { position, found } => write!(
                f,
                "character {position} is `{found}`, which GB 32100 does not use (allowed: digits and ABCDEFGHJKLMNPQRTUWXY)"
            ),
            CreditCodeError::CheckDigit { expected, found } => write!(
                f,
                "ends in `{found}` but its check digit should be `{expected}`"
            ),
        }
    }
}

impl CreditCodeError {
    /// What is wrong, in both languages.
    pub fn text(&self) -> crate::text::Text {
        let zh = match self {
            CreditCodeError::Length(n) => {
                format!("有 {n} 位；统一社会信用代码是 18 位")
            }
            CreditCodeError::Character { position, found } => format!(
                "第 {position} 位是“{found}”，GB 32100 不使用这个字符（可用：数字和 ABCDEFGHJKLMNPQRTUWXY）"
            ),
            CreditCodeError::CheckDigit { expected, found } => {
                format!("最后一位是“{found}”，按校验规则应为“{expected}”")
            }
        };
        crate::text::Text {
            zh,
            en: self.to_string(),
        }
    }
}

/// Is `code` a valid code exactly as [`validate`] gives it back (upper case, nothing around it)?
/// Checked without allocating: aggregation reads a million codes.
pub fn is_canonical(code: &str) -> bool {
    let b = code.as_bytes();
    if b.len() != 18 {
        return false;
    }
    let mut values = [0u32; 18];
    for (slot, c) in values.iter_mut().zip(b) {
        match VALUES[usize::from(*c)] {
            NONE => return false,
            v => *slot = u32::from(v),
        }
    }
    check_char(&values[..17]) == char::from(b[17])
}

/// Check a 统一社会信用代码. Letters are compared upper-case; spaces around it are ignored.
pub fn validate(code: &str) -> Result<String, CreditCodeError> {
    let code = code.trim().to_ascii_uppercase();
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return Err(CreditCodeError::Length(chars.len()));
    }
    let mut values = [0u32; 18];
    for (i, c) in chars.iter().enumerate() {
        match ALPHABET.find(*c) {
            Some(v) => values[i] = v as u32,
            None => {
                return Err(CreditCodeError::Character {
                    position: i + 1,
                    found: *c,
                });
            }
        }
    }
    let expected = check_char(&values[..17]);
    if chars[17] != expected {
        return Err(CreditCodeError::CheckDigit {
            expected,
            found: chars[17],
        });
    }
    Ok(code)
}

/// The check character for the first 17 values.
fn check_char(values: &[u32]) -> char {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let c = (31 - sum % 31) % 31;
    ALPHABET.as_bytes()[c as usize] as char
}

/// Complete 17 characters with their check digit (for fixtures and synthetic data).
pub fn with_check_digit(first17: &str) -> Option<String> {
    let values: Vec<u32> = first17
        .chars()
        .map(|c| ALPHABET.find(c).map(|v| v as u32))
        .collect::<Option<_>>()?;
    (values.len() == 17).then(|| format!("{first17}{}", check_char(&values)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_examples_pass() {
        for code in [
            "91110000600037341L",
            "91110108551385082Q",
            "91230184MA1BUFLT44",
            "92371000MA3MXH0E3W",
            "91100000100003962T",
        ] {
            assert_eq!(validate(code), Ok(code.to_string()), "{code}");
        }
    }

    #[test]
    fn lower_case_and_spaces_are_normalised() {
        assert_eq!(
            validate(" 91110000600037341l ").unwrap(),
            "91110000600037341L"
        );
    }

    #[test]
    fn failures_are_named() {
        assert_eq!(
            validate("9111000060003734"),
            Err(CreditCodeError::Length(16))
        );
        assert_eq!(
            validate("91110000600037341I"),
            Err(CreditCodeError::Character {
                position: 18,
                found: 'I'
            })
        );
        assert_eq!(
            validate("91110000600037341A"),
            Err(CreditCodeError::CheckDigit {
                expected: 'L',
                found: 'A'
            })
        );
        // A genuine early Fujian pilot code that fails the mod-31 check.
        assert!(matches!(
            validate("91350100M0001TGQXM"),
            Err(CreditCodeError::CheckDigit { .. })
        ));
    }

    #[test]
    fn codes_starting_with_letters_are_valid() {
        let code = with_check_digit("Y1330106MA2B3C4D5").unwrap();
        assert!(validate(&code).is_ok());
        let code = with_check_digit("N2330106MA2B3C4D5").unwrap();
        assert!(validate(&code).is_ok());
    }

    proptest::proptest! {
        /// A code is canonical exactly when the full check takes it as it is written.
        #[test]
        fn canonical_is_what_the_check_keeps_as_written(
            picks in proptest::collection::vec(0usize..40, 17),
            last in 0usize..40,
        ) {
            let pool = b"0123456789ABCDEFGHJKLMNPQRTUWXYIOSVZa -";
            let first: String = picks.iter().map(|&k| char::from(pool[k % pool.len()])).collect();
            // Half the codes get their right check digit, so both answers are tried often.
            let code = match (last % 2, with_check_digit(&first)) {
                (0, Some(full)) => full,
                _ => format!("{first}{}", char::from(pool[last % pool.len()])),
            };
            let kept = validate(&code).is_ok_and(|c| c == code);
            proptest::prop_assert_eq!(is_canonical(&code), kept, "{}", code);
        }
    }
}
