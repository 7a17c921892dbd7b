//! Downloading results, which expire: https only (http only on loopback), never from https
//! down to http across a redirect (loopback included), a size cap, an idle timeout and a
//! total deadline, a temporary file in the destination's directory renamed into place when
//! complete, and no silent overwrite. No API key is ever sent: result URLs live on other
//! hosts.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::Url;
use tokio::io::AsyncWriteExt;

use super::client::{check_scheme, is_loopback};
use super::clock::{Clock, First, SystemClock, race};

/// How to download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadOptions {
    /// The largest file accepted (default 2 GiB).
    pub max_bytes: u64,
    /// Replace an existing file (default: refuse).
    pub overwrite: bool,
    /// Connect timeout (default 10 s).
    pub connect_timeout: Duration,
    /// Reads time out after this long without data (default 60 s).
    pub idle_timeout: Duration,
    /// The whole download ends within this time, however slowly data trickles in
    /// (default 30 minutes).
    pub deadline: Duration,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            max_bytes: 2 * 1024 * 1024 * 1024,
            overwrite: false,
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            deadline: Duration::from_secs(30 * 60),
        }
    }
}

/// Whether a redirect from the chain `previous` to `next` may be followed: at most 5, each
/// URL https (or http on loopback), and never from https down to http, loopback included.
pub(crate) fn redirect_allowed(previous: &[Url], next: &Url) -> Result<(), String> {
    if previous.len() >= 5 {
        return Err("more than 5 redirects".into());
    }
    check_scheme(next, "a redirect")?;
    if next.scheme() == "http" && previous.iter().any(|u| u.scheme() == "https") {
        return Err(format!("a redirect from https to plain http is refused: {next}"));
    }
    Ok(())
}

/// The redirect policy of downloads and preflights ([`redirect_allowed`]).
pub(crate) fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| match redirect_allowed(attempt.previous(), attempt.url()) {
        Ok(()) => attempt.follow(),
        Err(e) => attempt.error(e),
    })
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
    /// The download did not finish within its deadline.
    Deadline {
        /// The URL.
        url: String,
        /// The deadline.
        deadline: Duration,
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
            DownloadError::Deadline { url, deadline } => {
                write!(f, "download of {url} did not finish within {deadline:?}; nothing was kept")
            }
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
    download_with_clock(url, dest, options, &SystemClock).await
}

/// Like [`download`], with the deadline measured on `clock` (a
/// [`super::clock::ManualClock`] in tests).
pub async fn download_with_clock(
    url: &str,
    dest: &Path,
    options: &DownloadOptions,
    clock: &dyn Clock,
) -> Result<Downloaded, DownloadError> {
    match race(fetch(url, dest, options), clock.timer(options.deadline)).await {
        First::Left(r) => r,
        // The fetch future was dropped: its temporary file is removed by its guard.
        First::Right(()) => Err(DownloadError::Deadline { url: url.to_owned(), deadline: options.deadline }),
    }
}

async fn fetch(url: &str, dest: &Path, options: &DownloadOptions) -> Result<Downloaded, DownloadError> {
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

    let mut http = reqwest::Client::builder()
        .redirect(redirect_policy())
        .connect_timeout(options.connect_timeout)
        .read_timeout(options.idle_timeout)
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
    // Created synchronously (not on the blocking pool): if this future is dropped at a
    // deadline, no create can still be running to bring the file back after the guard
    // removed it. Later writes go to this open file, never to a new one.
    let mut file = tokio::fs::File::from_std(std::fs::File::create(&tmp_path).map_err(|e| io(&tmp_path, e))?);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn redirects_never_go_from_https_to_http() {
        assert!(redirect_allowed(&[u("https://cdn.test/a")], &u("https://other.test/b")).is_ok());
        assert!(redirect_allowed(&[u("http://127.0.0.1:1/a")], &u("http://127.0.0.1:2/b")).is_ok());
        let e = redirect_allowed(&[u("https://127.0.0.1:1/a")], &u("http://127.0.0.1:1/b")).unwrap_err();
        assert!(e.contains("from https to plain http"), "{e}");
        assert!(redirect_allowed(&[u("https://cdn.test/a"), u("https://x.test/")], &u("http://localhost/b")).is_err());
        assert!(redirect_allowed(&[u("https://cdn.test/a")], &u("http://cdn.test/b")).is_err(), "http off loopback");
        let five: Vec<Url> = (0..5).map(|i| u(&format!("https://cdn.test/{i}"))).collect();
        assert_eq!(redirect_allowed(&five, &u("https://cdn.test/6")).unwrap_err(), "more than 5 redirects");
    }
}
