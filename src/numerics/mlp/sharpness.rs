//! The sharpness of the network's training loss: the largest eigenvalue of its Hessian, found
//! by power iteration on Hessian-vector products.
//!
//! H v is the central difference of the exact (backpropagated) full-batch gradient along v:
//!
//!   H v = (grad L(w + h v) - grad L(w - h v)) / (2 h) + O(h^2),  |v| = 1,
//!
//! with h = 1e-4 (1 + rms(w)): the truncation error is of order h^2 times the third derivative
//! (about 1e-8 relative), rounding about 1e-16 |grad| / h. Power iteration v <- H v / |H v|
//! converges to the eigenvalue of largest magnitude, read as the Rayleigh quotient v' H v.
//! When that one is negative, the iteration is repeated on H - l I (every eigenvalue of which
//! is >= 0 and whose largest is l_max - l), so the answer is always the largest eigenvalue, the
//! one gradient descent's stability depends on. Each call starts from the previous call's
//! vector, so along a training run a few iterations suffice.

/// Iterations of one power iteration at most.
pub const MAX_ITERATIONS: usize = 100;

/// Relative change of the Rayleigh quotient at which the iteration stops.
pub const TOLERANCE: f64 = 1e-7;

/// The largest eigenvalue found and what it cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TopEigenvalue {
    /// The largest eigenvalue of H (not of |H|).
    pub value: f64,
    /// Hessian-vector products taken.
    pub products: usize,
    /// Whether the Rayleigh quotient settled within [`TOLERANCE`].
    pub converged: bool,
}

/// Power iteration for the largest eigenvalue of a symmetric operator given by its product
/// `hvp(v, out)` (out = H v). `v` is the start (any non-zero vector; a zero one is replaced by
/// a fixed one) and ends as the eigenvector found, of unit length. `None` if a product is not
/// finite.
pub fn largest_eigenvalue(
    mut hvp: impl FnMut(&[f64], &mut [f64]),
    v: &mut [f64],
) -> Option<TopEigenvalue> {
    let n = v.len();
    if n == 0 {
        return None;
    }
    let mut hv = vec![0.0; n];
    if normalize(v).is_none() {
        // A deterministic start with no symmetry the network's weights share.
        for (i, x) in v.iter_mut().enumerate() {
            *x = 1.0 + (i % 7) as f64 * 0.1;
        }
        normalize(v)?;
    }
    let mut products = 0;
    let (dominant, converged) = iterate(&mut hvp, v, &mut hv, 0.0, &mut products)?;
    if dominant >= 0.0 {
        return Some(TopEigenvalue {
            value: dominant,
            products,
            converged,
        });
    }
    // H - dominant I is positive semidefinite; its top eigenvalue is l_max - dominant.
    let (shifted, converged) = iterate(&mut hvp, v, &mut hv, dominant, &mut products)?;
    Some(TopEigenvalue {
        value: shifted + dominant,
        products,
        converged,
    })
}

/// Power iteration on H - shift I from `v`: its dominant eigenvalue and whether it converged.
fn iterate(
    hvp: &mut impl FnMut(&[f64], &mut [f64]),
    v: &mut [f64],
    hv: &mut [f64],
    shift: f64,
    products: &mut usize,
) -> Option<(f64, bool)> {
    let mut previous: Option<f64> = None;
    for _ in 0..MAX_ITERATIONS {
        hvp(v, hv);
        *products += 1;
        for (h, x) in hv.iter_mut().zip(v.iter()) {
            *h -= shift * x;
        }
        let rayleigh: f64 = v.iter().zip(hv.iter()).map(|(a, b)| a * b).sum();
        if !rayleigh.is_finite() {
            return None;
        }
        v.copy_from_slice(hv);
        if normalize(v).is_none() {
            // H v = shift v exactly: v is an eigenvector.
            return Some((rayleigh, true));
        }
        if let Some(p) = previous
            && (rayleigh - p).abs() <= TOLERANCE * rayleigh.abs().max(f64::MIN_POSITIVE)
        {
            return Some((rayleigh, true));
        }
        previous = Some(rayleigh);
    }
    previous.map(|p| (p, false))
}

/// Scales `v` to unit length; `None` when it is zero or not finite.
fn normalize(v: &mut [f64]) -> Option<()> {
    let norm = crate::numerics::norm(v);
    if !(norm > 0.0 && norm.is_finite()) {
        return None;
    }
    for x in v.iter_mut() {
        *x /= norm;
    }
    Some(())
}

/// The finite-difference step for Hessian-vector products at weights `w`.
#[must_use]
pub fn difference_step(w: &[f64]) -> f64 {
    let n = w.len().max(1) as f64;
    let rms = (w.iter().map(|x| x * x).sum::<f64>() / n).sqrt();
    1e-4 * (1.0 + rms)
}

/// H v by central differences of `gradient(w, out)` at `w`, with scratch for the two points
/// and their gradients.
pub fn hessian_vector_product(
    gradient: &mut impl FnMut(&[f64], &mut [f64]),
    w: &[f64],
    v: &[f64],
    scratch: &mut [Vec<f64>; 3],
    out: &mut [f64],
) {
    let h = difference_step(w);
    let [point, plus, minus] = scratch;
    point.clear();
    point.extend(w.iter().zip(v).map(|(w, v)| w + h * v));
    plus.resize(w.len(), 0.0);
    gradient(point, plus);
    point.clear();
    point.extend(w.iter().zip(v).map(|(w, v)| w - h * v));
    minus.resize(w.len(), 0.0);
    gradient(point, minus);
    for ((o, p), m) in out.iter_mut().zip(plus.iter()).zip(minus.iter()) {
        *o = (p - m) / (2.0 * h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::{DMatrix, DVector, SymmetricEigen};

    /// A symmetric matrix with the given eigenvalues in a fixed rotated basis.
    fn matrix(eigenvalues: &[f64]) -> DMatrix<f64> {
        let n = eigenvalues.len();
        let q = DMatrix::from_fn(n, n, |i, j| ((i * 3 + j * 5 + 1) as f64).sin())
            .qr()
            .q();
        &q * DMatrix::from_diagonal(&DVector::from_column_slice(eigenvalues)) * q.transpose()
    }

    fn top(m: &DMatrix<f64>) -> TopEigenvalue {
        let mut v = vec![0.0; m.nrows()];
        largest_eigenvalue(
            |x, out| {
                let y = m * DVector::from_column_slice(x);
                out.copy_from_slice(y.as_slice());
            },
            &mut v,
        )
        .unwrap()
    }

    #[test]
    fn power_iteration_finds_the_largest_eigenvalue_not_the_largest_magnitude() {
        for eigenvalues in [
            vec![5.0, 1.0, 0.5, -0.2],
            vec![3.0, -8.0, 1.0, 0.0, 2.0],
            vec![-1.0, -2.0, -3.0],
        ] {
            let m = matrix(&eigenvalues);
            let expected = SymmetricEigen::new(m.clone()).eigenvalues.max();
            let found = top(&m);
            assert!(found.converged, "{eigenvalues:?}");
            assert!(
                (found.value - expected).abs() < 1e-5 * (1.0 + expected.abs()),
                "{eigenvalues:?}: {} vs {expected}",
                found.value
            );
        }
    }

    #[test]
    fn a_warm_start_converges_at_once() {
        let m = matrix(&[4.0, 1.0, 0.5]);
        let mut v = vec![0.0; 3];
        let product = |x: &[f64], out: &mut [f64]| {
            out.copy_from_slice((&m * DVector::from_column_slice(x)).as_slice());
        };
        let cold = largest_eigenvalue(product, &mut v).unwrap();
        let warm = largest_eigenvalue(product, &mut v).unwrap();
        assert!(
            warm.products <= 3,
            "{} then {}",
            cold.products,
            warm.products
        );
        assert!((warm.value - 4.0).abs() < 1e-6);
    }

    #[test]
    fn central_differences_of_a_gradient_give_the_hessian_product() {
        // f(w) = sum w_i^4 / 4 + w_0 w_1: H = diag(3 w_i^2) + [[0, 1], [1, 0]] block.
        let mut gradient = |w: &[f64], g: &mut [f64]| {
            for (g, w) in g.iter_mut().zip(w) {
                *g = w * w * w;
            }
            g[0] += w[1];
            g[1] += w[0];
        };
        let w = [0.5, -1.0, 2.0];
        let v = [0.6, 0.0, 0.8];
        let mut out = [0.0; 3];
        let mut scratch = [Vec::new(), Vec::new(), Vec::new()];
        hessian_vector_product(&mut gradient, &w, &v, &mut scratch, &mut out);
        let expected = [3.0 * 0.25 * 0.6, 0.6, 3.0 * 4.0 * 0.8];
        for (o, e) in out.iter().zip(expected) {
            assert!((o - e).abs() < 1e-7, "{out:?}");
        }
    }
}
