//! Range checks shared by objective and optimizer parameters; each error names its field and
//! says what would be valid.

use super::{ParamError, short};

/// Finite and strictly positive.
pub(crate) fn positive(field: &str, v: f64) -> Result<(), ParamError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(ParamError::new(
            field,
            format!("must be > 0, got {}", short(v)),
        ))
    }
}

/// Finite and not negative.
pub(crate) fn non_negative(field: &str, v: f64) -> Result<(), ParamError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(ParamError::new(
            field,
            format!("must be >= 0, got {}", short(v)),
        ))
    }
}

/// Any finite number.
pub(crate) fn finite(field: &str, v: f64) -> Result<(), ParamError> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(ParamError::new(
            field,
            format!("must be a finite number, got {}", short(v)),
        ))
    }
}

/// A decay rate in [0, 1).
pub(crate) fn beta(field: &str, v: f64) -> Result<(), ParamError> {
    if (0.0..1.0).contains(&v) {
        Ok(())
    } else {
        Err(ParamError::new(
            field,
            format!("must be in [0, 1), got {}", short(v)),
        ))
    }
}

/// A count of at least `min`.
pub(crate) fn at_least(field: &str, v: usize, min: usize) -> Result<(), ParamError> {
    if v >= min {
        Ok(())
    } else {
        Err(ParamError::new(field, format!("must be >= {min}, got {v}")))
    }
}

/// A count between `min` and `max`: every count that sizes memory or work has a documented
/// maximum, checked where it is parsed.
pub(crate) fn count_in(field: &str, v: usize, min: usize, max: usize) -> Result<(), ParamError> {
    if (min..=max).contains(&v) {
        Ok(())
    } else {
        Err(ParamError::new(
            field,
            format!("must be between {min} and {max}, got {v}"),
        ))
    }
}
