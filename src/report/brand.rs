//! The provider whose name and logo head every report (HTML, PDF, Word and the office summary):
//! `brand.yaml` of the templates, bundled or from a `--templates` folder, the logo a PNG beside it.

use crate::text::{Lang, Text};
use minijinja::{Error, ErrorKind};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The provider, as the templates see it (`brand.name`, `brand.logo_url`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Brand {
    /// The provider's name in the report's language.
    pub name: String,
    /// The logo as a `data:` URL, for HTML.
    pub logo_url: Option<String>,
    /// The logo's PNG bytes, for PDF and Word.
    #[serde(skip)]
    pub logo: Option<Vec<u8>>,
}

/// `brand.yaml` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBrand {
    name: Text,
    #[serde(default)]
    logo: Option<String>,
}

fn invalid(msg: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg)
}

/// Load the brand of `templates` (the bundled one when the folder has no `brand.yaml`).
pub fn load(templates: Option<&Path>, lang: Lang) -> Result<Brand, Error> {
    let env = super::environment(templates.map(Path::to_path_buf), lang);
    let text = env.get_template("brand.yaml")?.source().to_string();
    let raw: RawBrand =
        serde_saphyr::from_str(&text).map_err(|e| invalid(format!("brand.yaml: {e}")))?;
    let logo = match raw.logo.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => None,
        Some(name) => Some(logo_bytes(templates, name)?),
    };
    let logo_url = logo
        .as_ref()
        .map(|b| format!("data:image/png;base64,{}", base64(b)));
    Ok(Brand {
        name: raw.name.get(lang).to_string(),
        logo_url,
        logo,
    })
}

/// The logo file named by `brand.yaml`: a PNG directly inside the templates folder.
fn logo_bytes(templates: Option<&Path>, name: &str) -> Result<Vec<u8>, Error> {
    let Some(dir) = templates else {
        return Err(invalid(format!(
            "brand.yaml names the logo `{name}`, but there is no templates folder to hold it"
        )));
    };
    if name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(invalid(format!(
            "brand.yaml: the logo `{name}` must be a file directly inside the templates folder"
        )));
    }
    let path = dir.join(name);
    if let Some(real) = super::outside_folder(dir, &path) {
        return Err(invalid(format!(
            "brand.yaml: the logo {} is a link to {}, outside the templates folder",
            path.display(),
            real.display()
        )));
    }
    let bytes = crate::source_file::read_limited(&path).map_err(|d| {
        invalid(format!(
            "brand.yaml: cannot read the logo {}: {}",
            path.display(),
            d.message()
        ))
    })?;
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(invalid(format!(
            "brand.yaml: the logo {} is not a PNG image",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads_like_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
    }

    #[test]
    fn the_bundled_brand_has_a_name_and_no_logo() {
        let b = load(None, Lang::Zh).unwrap();
        assert_eq!(b.name, "中小企业数字化转型");
        assert!(b.logo.is_none() && b.logo_url.is_none());
    }

    #[test]
    fn a_logo_must_be_a_png_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("brand.yaml"),
            "name: {zh: 某服务商, en: A provider}\nlogo: logo.png\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("logo.png"), "not a png").unwrap();
        assert!(load(Some(dir.path()), Lang::En).is_err());
        std::fs::write(dir.path().join("logo.png"), b"\x89PNG\r\n\x1a\nrest").unwrap();
        let b = load(Some(dir.path()), Lang::En).unwrap();
        assert_eq!(b.name, "A provider");
        assert!(
            b.logo_url
                .unwrap()
                .starts_with("data:image/png;base64,iVBORw0KGg")
        );
        std::fs::write(
            dir.path().join("brand.yaml"),
            "name: {zh: x}\nlogo: ../logo.png\n",
        )
        .unwrap();
        assert!(load(Some(dir.path()), Lang::En).is_err());
    }
}
