//! "Export race as GIF" in the app: the headless renderer's time-sliced GIF job, advanced a
//! few milliseconds per frame with a progress bar and a Cancel button, so the window stays
//! live while it encodes. The file is written atomically (or downloaded, in a browser) when the
//! last frame is done.

use crate::render::gif::{GifJob, GifOptions};
use crate::scenario::{Scenario, Theme};
use std::path::PathBuf;
use web_time::{Duration, Instant};

/// Time per frame spent on the GIF.
const BUDGET: Duration = Duration::from_millis(10);

/// A GIF being made.
pub struct GifExport {
    job: Option<GifJob>,
    path: PathBuf,
    fraction: f32,
}

/// What a frame of work came to.
pub enum Status {
    /// Still encoding.
    Working,
    /// Delivered: where it went ("Saved PATH", "Downloaded NAME").
    Saved(String),
    /// Not written: why.
    Failed(String),
}

impl GifExport {
    /// Starts a race GIF of `scenario` (its current runs, up to its step budget) in `theme`,
    /// with the Taylor models at the point of enabled run `taylor` if given.
    pub fn start(
        scenario: &Scenario,
        theme: Theme,
        taylor: Option<usize>,
        path: PathBuf,
    ) -> Result<Self, String> {
        let mut options = GifOptions::for_scenario(scenario);
        options.figure.theme = theme;
        options.figure.taylor = taylor;
        let job = GifJob::new(scenario, options).map_err(|e| e.to_string())?;
        Ok(Self {
            job: Some(job),
            path,
            fraction: 0.0,
        })
    }

    /// The file it will write.
    #[must_use]
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Share of the frames done.
    #[must_use]
    pub fn fraction(&self) -> f32 {
        self.fraction
    }

    /// Does this frame's share of the work; writes the file when done.
    pub fn work(&mut self) -> Status {
        let Some(job) = &mut self.job else {
            return Status::Failed("nothing to do".to_owned());
        };
        let start = Instant::now();
        match job.advance(|| start.elapsed() >= BUDGET) {
            Ok(p) if p.is_done() => {
                self.fraction = 1.0;
                let Some(job) = self.job.take() else {
                    return Status::Failed("nothing to do".to_owned());
                };
                match job.finish() {
                    Ok(bytes) => match crate::ui::platform::deliver(&self.path, &bytes) {
                        Ok(delivered) => Status::Saved(delivered),
                        Err(e) => Status::Failed(e),
                    },
                    Err(e) => Status::Failed(e.to_string()),
                }
            }
            Ok(p) => {
                self.fraction = p.fraction();
                Status::Working
            }
            Err(e) => Status::Failed(e.to_string()),
        }
    }
}
