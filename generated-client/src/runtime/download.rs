//! Downloading results, which expire: https only (http only on loopback, also after
//! redirects), a size cap, a temporary file in the destination's directory renamed into
//! place when complete, and no silent overwrite. No API key is ever sent: result URLs live
//! on other hosts.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::Url;
use tokio::io::AsyncWriteExt;

use super::client::{check_scheme, is_loopback};

/// How to download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadOptions {
    /// The largest file accepted (default 2 GiB).
    pub max_bytes: u64,
    /// Replace an existing file (default: refuse).
    pub overwrite: bool,
    /// Connect timeout (default 10 s); reads time out after 60 s without data.
    pub connect_timeout: Duration,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            max_bytes: 2 * 1024 * 1024 * 1024,
            overwrite: false,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// A finished download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    /// Where the file is.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
}

/// Why a download failed. No partial file is left behind.
#[derive(Debug)]
#[non_exhaustive]
pub enum DownloadError {
    /// The URL is not allowed (not https, or http off loopback) or not a URL.
    Url {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The destination exists and `overwrite` is off.
    Exists {
        /// The destination.
        path: PathBuf,
    },
    /// The server answered with a non-2xx status.
    Http {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// The file is larger than `max_bytes`.
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// The network failed.
    Network {
        /// The URL.
        url: String,
        /// What failed.
        message: String,
    },
    /// Writing the file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
}

impl fmt::Display for DownloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DownloadError::Url { url, reason } => write!(f, "cannot download {url}: {reason}"),
            DownloadError::Exists { path } => {
                write!(f, "{} exists; not overwriting it (set overwrite)", path.display())
            }
            DownloadError::Http { url, status } => write!(f, "download of {url} answered {status}"),
            DownloadError::TooLarge { url, limit } => write!(f, "{url} is larger than the {limit}-byte limit"),
            DownloadError::Network { url, message } => write!(f, "download of {url} failed: {message}"),
            DownloadError::Io { path, message } => write!(f, "cannot write {}: {message}", path.display()),
        }
    }
}

impl std::error::Error for DownloadError {}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Removes the temporary file unless disarmed.
struct TempFile(Option<PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Downloads `url` to `dest`.
pub async fn download(url: &str, dest: &Path, options: &DownloadOptions) -> Result<Downloaded, DownloadError> {
    let bad = |reason: String| DownloadError::Url { url: url.to_owned(), reason };
    let parsed = Url::parse(url).map_err(|e| bad(e.to_string()))?;
    check_scheme(&parsed, "a download URL").map_err(bad)?;
    if !options.overwrite && tokio::fs::try_exists(dest).await.unwrap_or(false) {
        return Err(DownloadError::Exists { path: dest.to_owned() });
    }
    let io = |path: &Path, e: std::io::Error| DownloadError::Io { path: path.to_owned(), message: e.to_string() };
    let net = |e: reqwest::Error| DownloadError::Network {
        url: url.to_owned(),
        message: super::client::describe_transport(&e),
    };

    let redirects = reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() >= 5 {
            attempt.error("more than 5 redirects")
        } else if let Err(e) = check_scheme(attempt.url(), "a redirect") {
            attempt.error(e)
        } else {
            attempt.follow()
        }
    });
    let mut http = reqwest::Client::builder()
        .redirect(redirects)
        .connect_timeout(options.connect_timeout)
        .read_timeout(Duration::from_secs(60))
        .user_agent(concat!("happyhorse-client/", env!("CARGO_PKG_VERSION")));
    if is_loopback(&parsed) {
        http = http.no_proxy();
    }
    let http = http.build().map_err(net)?;
    let mut response = http.get(parsed).send().await.map_err(net)?;
    if !response.status().is_success() {
        return Err(DownloadError::Http { url: url.to_owned(), status: response.status().as_u16() });
    }
    if response.content_length().is_some_and(|n| n > options.max_bytes) {
        return Err(DownloadError::TooLarge { url: url.to_owned(), limit: options.max_bytes });
    }

    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "download".into());
    let tmp_path =
        dest.with_file_name(format!(".{name}.{}.{}.part", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
    let mut guard = TempFile(Some(tmp_path.clone()));
    let mut file = tokio::fs::File::create(&tmp_path).await.map_err(|e| io(&tmp_path, e))?;
    let mut bytes = 0u64;
    while let Some(chunk) = response.chunk().await.map_err(net)? {
        bytes += chunk.len() as u64;
        if bytes > options.max_bytes {
            return Err(DownloadError::TooLarge { url: url.to_owned(), limit: options.max_bytes });
        }
        file.write_all(&chunk).await.map_err(|e| io(&tmp_path, e))?;
    }
    file.flush().await.map_err(|e| io(&tmp_path, e))?;
    file.sync_all().await.map_err(|e| io(&tmp_path, e))?;
    drop(file);
    if options.overwrite {
        tokio::fs::rename(&tmp_path, dest).await.map_err(|e| io(dest, e))?;
    } else {
        // A hard link fails if the destination appeared meanwhile: never a silent overwrite.
        match std::fs::hard_link(&tmp_path, dest) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(DownloadError::Exists { path: dest.to_owned() });
            }
            Err(e) => return Err(io(dest, e)),
        }
    }
    drop(guard.0.take().map(std::fs::remove_file));
    Ok(Downloaded { path: dest.to_owned(), bytes })
}
