//! Where the token comes from (`--token-file`, `FLEXPORT_API_TOKEN`, a
//! profile), and `flexport auth login|logout|status|oauth`, which keep
//! profiles in the user's config directory (`credentials.json`, 0600).
//!
//! The token never reaches stdout, stderr, logs or errors: only its source
//! is ever named.

use std::collections::BTreeMap;
use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};

use crate::Failure;

/// The token's environment variable (the facade's).
pub const TOKEN_ENV: &str = flexport::TOKEN_ENV_VAR;
/// Overrides the config directory (tests, several setups side by side).
pub const CONFIG_DIR_ENV: &str = "FLEXPORT_CONFIG_DIR";
/// The profiles file, inside the config directory.
pub const CREDENTIALS_FILE: &str = "credentials.json";

/// The stored profiles.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Credentials {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

#[derive(Serialize, Deserialize)]
struct Profile {
    token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    logistics_account_id: Option<String>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("token", &"<withheld>")
            .field("base_url", &self.base_url)
            .finish()
    }
}

/// A token and where it came from.
pub struct Token {
    pub secret: SecretString,
    /// `--token-file PATH`, `FLEXPORT_API_TOKEN` or `profile NAME`.
    pub source: String,
    /// The profile's base URL, if it came from one that has it.
    pub base_url: Option<String>,
}

/// `$FLEXPORT_CONFIG_DIR`, else `flexport` in the user's config directory.
pub fn config_dir() -> Result<PathBuf, Failure> {
    if let Some(dir) = std::env::var_os(CONFIG_DIR_ENV) {
        return Ok(PathBuf::from(dir));
    }
    dirs::config_dir()
        .map(|dir| dir.join("flexport"))
        .ok_or_else(|| Failure::Other(format!("no config directory: set {CONFIG_DIR_ENV}")))
}

fn credentials_path() -> Result<PathBuf, Failure> {
    Ok(config_dir()?.join(CREDENTIALS_FILE))
}

fn load(path: &Path) -> Result<Credentials, Failure> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            // serde_json's message names a position, never the content.
            Failure::Other(format!("{} is not a credentials file: {e}", path.display()))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Credentials::default()),
        Err(e) => Err(Failure::Other(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// Writes the file readable by its owner only (0600 on Unix), in its
/// directory (0700), through a temporary file renamed over the old one.
fn store(path: &Path, credentials: &Credentials) -> Result<(), Failure> {
    let fail = |e: std::io::Error| Failure::Other(format!("cannot write {}: {e}", path.display()));
    let dir = path.parent().expect("a file in a directory");
    std::fs::create_dir_all(dir).map_err(fail)?;
    let text = serde_json::to_string_pretty(credentials).expect("credentials serialize");
    let temporary = dir.join(format!(".{CREDENTIALS_FILE}.{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(fail)?;
    }
    let mut file = options.open(&temporary).map_err(fail)?;
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temporary, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(fail(e));
    }
    Ok(())
}

/// The token to send: `--token-file`, else `FLEXPORT_API_TOKEN`, else the
/// profile; `None` when there is none.
pub fn resolve(token_file: Option<&Path>, profile: &str) -> Result<Option<Token>, Failure> {
    if let Some(path) = token_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::Usage(format!("--token-file {}: {e}", path.display())))?;
        let token = text.trim();
        if token.is_empty() {
            return Err(Failure::Usage(format!(
                "--token-file {}: the file is empty",
                path.display()
            )));
        }
        return Ok(Some(Token {
            secret: token.to_owned().into(),
            source: format!("--token-file {}", path.display()),
            base_url: None,
        }));
    }
    if let Ok(token) = std::env::var(TOKEN_ENV)
        && !token.trim().is_empty()
    {
        return Ok(Some(Token {
            secret: token.trim().to_owned().into(),
            source: TOKEN_ENV.to_owned(),
            base_url: None,
        }));
    }
    let credentials = load(&credentials_path()?)?;
    Ok(credentials.profiles.get(profile).map(|stored| Token {
        secret: stored.token.clone().into(),
        source: format!("profile {profile}"),
        base_url: stored.base_url.clone(),
    }))
}

/// Stores `token` as profile `profile`.
pub fn save(
    profile: &str,
    token: &SecretString,
    base_url: Option<String>,
    logistics_account_id: Option<String>,
) -> Result<PathBuf, Failure> {
    let path = credentials_path()?;
    let mut credentials = load(&path)?;
    credentials.profiles.insert(
        profile.to_owned(),
        Profile {
            token: token.expose_secret().to_owned(),
            base_url,
            logistics_account_id,
        },
    );
    store(&path, &credentials)?;
    Ok(path)
}

/// `flexport auth login`: the token from a prompt that does not echo (on a
/// terminal) or from stdin's first line.
pub fn login(profile: &str, base_url: Option<String>) -> Result<(), Failure> {
    let token = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("Flexport API token for profile {profile}: "))
            .map_err(|e| Failure::Other(format!("cannot read the token: {e}")))?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::Other(format!("cannot read the token from stdin: {e}")))?;
        line
    };
    let token = token.trim();
    if token.is_empty() {
        return Err(Failure::Usage("no token given".to_owned()));
    }
    let path = save(profile, &token.to_owned().into(), base_url, None)?;
    eprintln!(
        "saved profile {profile} in {} (readable by you only)",
        path.display()
    );
    Ok(())
}

/// `flexport auth logout`.
pub fn logout(profile: &str) -> Result<(), Failure> {
    let path = credentials_path()?;
    let mut credentials = load(&path)?;
    if credentials.profiles.remove(profile).is_none() {
        eprintln!("no profile {profile} in {}", path.display());
        return Ok(());
    }
    store(&path, &credentials)?;
    eprintln!("removed profile {profile} from {}", path.display());
    Ok(())
}

/// `flexport auth status`: where the token would come from, never the token.
pub fn status(token_file: Option<&Path>, profile: &str) -> Result<serde_json::Value, Failure> {
    let token = resolve(token_file, profile)?;
    Ok(serde_json::json!({
        "token": token.as_ref().map(|t| t.source.clone()),
        "profile_base_url": token.and_then(|t| t.base_url),
        "credentials_file": credentials_path()?.display().to_string(),
    }))
}
