//! [`GenerativeCover`]: offline cover art.
//!
//! Why: every release package needs a 3000×3000 cover image, and offline
//! there is no image model. This adapter renders deterministic generative
//! art with [`noktvrn_render::cover::render_cover`] (gradient, genre-shaped
//! layer, grain, title/artist lettering) from the request's title, artist,
//! genre, palette and seed, on a blocking thread, and returns the PNG.
//! The free-text `prompt` is not used: the renderer draws from structure.

use async_trait::async_trait;

use noktvrn_pipeline::error::ProviderError;
use noktvrn_pipeline::ports::{CoverArtist, CoverRequest, GeneratedImage};
use noktvrn_render::cover::{CoverSpec, render_cover};

/// Generator name recorded on images.
pub const COVER_GENERATOR: &str = "offline-cover";
/// Side of the square cover in pixels.
pub const COVER_SIZE: u32 = noktvrn_render::cover::COVER_SIZE;

/// Longest title/artist the renderer accepts (characters).
const MAX_TEXT: usize = 200;

/// Offline cover artist.
#[derive(Debug, Clone, Copy, Default)]
pub struct GenerativeCover;

impl GenerativeCover {
    pub fn new() -> Self {
        Self
    }

    /// The render spec for a request (texts cut to what the renderer takes).
    pub fn spec_for(request: &CoverRequest) -> CoverSpec {
        let cut = |s: &str| s.trim().chars().take(MAX_TEXT).collect::<String>();
        CoverSpec {
            title: cut(&request.title),
            artist_name: cut(&request.artist_name),
            genre: request.genre.clone(),
            palette: request.palette.clone(),
            seed: request.seed,
        }
    }
}

#[async_trait]
impl CoverArtist for GenerativeCover {
    fn name(&self) -> &str {
        COVER_GENERATOR
    }

    async fn render(&self, request: &CoverRequest) -> Result<GeneratedImage, ProviderError> {
        let spec = Self::spec_for(request);
        let bytes = tokio::task::spawn_blocking(move || render_cover(&spec))
            .await
            .map_err(|e| ProviderError::Unavailable {
                provider: COVER_GENERATOR.into(),
                message: format!("render task failed: {e}"),
                source: None,
            })?
            .map_err(|e| ProviderError::Rejected {
                provider: COVER_GENERATOR.into(),
                message: e.to_string(),
            })?;
        Ok(GeneratedImage {
            bytes,
            content_type: "image/png".into(),
            width: COVER_SIZE,
            height: COVER_SIZE,
            generator: COVER_GENERATOR.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(seed: u64) -> CoverRequest {
        CoverRequest {
            title: "Midnight Highways".into(),
            artist_name: "Nova Drive".into(),
            genre: "synthwave".into(),
            palette: vec![[255, 42, 109], [5, 217, 232], [1, 1, 43]],
            prompt: "neon city, retro grid".into(),
            seed,
        }
    }

    /// (width, height, bit depth, colour type) from the PNG signature and IHDR.
    fn png_header(b: &[u8]) -> (u32, u32, u8, u8) {
        assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&b[12..16], b"IHDR");
        let w = u32::from_be_bytes(b[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(b[20..24].try_into().unwrap());
        (w, h, b[24], b[25])
    }

    #[tokio::test]
    async fn renders_a_deterministic_3000_square_png() {
        let c = GenerativeCover::new();
        assert_eq!(c.name(), "offline-cover");
        let a = c.render(&request(1)).await.unwrap();
        assert_eq!(a.content_type, "image/png");
        assert_eq!((a.width, a.height), (3000, 3000));
        assert_eq!(a.generator, COVER_GENERATOR);
        let (w, h, depth, _) = png_header(&a.bytes);
        assert_eq!((w, h, depth), (3000, 3000, 8));
        assert!(a.bytes.ends_with(b"IEND\xaeB`\x82"));
        let again = c.render(&request(1)).await.unwrap();
        assert_eq!(a.bytes, again.bytes);
        let other = c.render(&request(2)).await.unwrap();
        assert_ne!(a.bytes, other.bytes);
    }

    #[tokio::test]
    async fn odd_requests_still_render() {
        let mut r = request(3);
        r.title = "x".repeat(500);
        r.artist_name = String::new();
        r.palette.clear();
        r.genre = "unknown genre".into();
        let img = GenerativeCover::new().render(&r).await.unwrap();
        assert_eq!(png_header(&img.bytes).0, 3000);
    }
}
