//! Result files: `GET /files/{module}/{task_id}/{n}.mp4`, the URLs the status answers point
//! at.
//! Served without authentication, like a provider's result host; a request that carries an
//! `Authorization` header anyway is counted, so tests can check a client never sends its
//! API key there.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;

use super::http::{self, ApiError};
use super::shared::Shared;
use super::state::{FILES, FILES_WITH_AUTHORIZATION, Phase};

/// The bytes served for file `index` of task `task_id`, `len` bytes long: an MP4 `ftyp` box
/// followed by filler derived from the task id and index, the same on every call.
pub fn fake_video_bytes(task_id: &str, index: usize, len: usize) -> Vec<u8> {
    const FTYP: [u8; 24] = [
        0, 0, 0, 24, b'f', b't', b'y', b'p', b'i', b's', b'o', b'm', 0, 0, 2, 0, b'i', b's', b'o', b'm', b'm', b'p',
        b'4', b'2',
    ];
    // FNV-1a of "<task_id>/<index>" seeds an xorshift filler.
    let mut state = format!("{task_id}/{index}")
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let mut bytes: Vec<u8> = FTYP.iter().copied().take(len).collect();
    while bytes.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend(state.to_le_bytes().iter().take(len - bytes.len()));
    }
    bytes
}

/// `GET /files/{module}/{task_id}/{n}.mp4`: the file of a successful task, else 404.
pub(crate) async fn get(State(sim): State<Arc<Shared>>, req: Request) -> Response {
    sim.stats.count(FILES);
    if req.headers().contains_key(AUTHORIZATION) {
        sim.stats.count(FILES_WITH_AUTHORIZATION);
    }
    let not_found = || http::error(None, &ApiError::new(404, "file not found"), None);
    let mut segments = req.uri().path().strip_prefix("/files/").unwrap_or_default().split('/');
    let (Some(module), Some(task_id), Some(file), None) =
        (segments.next(), segments.next(), segments.next(), segments.next())
    else {
        return not_found();
    };
    let Some(index) = file.strip_suffix(".mp4").and_then(|n| n.parse::<usize>().ok()) else {
        return not_found();
    };
    let Some(looked) = sim.module(module).and_then(|m| sim.tasks.get(m, task_id, sim.lifecycle())) else {
        return not_found();
    };
    if looked.became_terminal {
        sim.on_terminal(&looked.view);
    }
    // One video per task: the status answers list only `0.mp4`.
    if looked.view.phase != Phase::Succeeded || index != 0 {
        return not_found();
    }
    let mut response = Response::new(Body::from(fake_video_bytes(task_id, index, sim.config.result_bytes)));
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("video/mp4"));
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn deterministic_and_sized() {
        let a = super::fake_video_bytes("task_1", 0, 1000);
        assert_eq!(a.len(), 1000);
        assert_eq!(&a[4..8], b"ftyp");
        assert_eq!(a, super::fake_video_bytes("task_1", 0, 1000));
        assert_ne!(a, super::fake_video_bytes("task-2", 0, 1000));
        assert_eq!(super::fake_video_bytes("t", 0, 3).len(), 3);
        assert!(super::fake_video_bytes("t", 0, 0).is_empty());
    }
}
