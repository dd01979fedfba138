//! Which slices of the flat parameter vector are the matrices and vectors torch would hold.
//!
//! Most optimizers act coordinate by coordinate and never look at this. Two depend on shapes,
//! as in torch: Adafactor factors a matrix's second moment into row and column statistics
//! (and keeps an unfactored one for vectors), and Muon orthogonalises hidden weight matrices
//! (leaving vectors and the first and last layers' weights to an AdamW). An optimizer is built
//! for a layout ([`super::OptimizerSpec::build_for`]) and reads it on its first step.
//!
//! A layout is a list of blocks that tile the vector in order. A matrix block has torch's
//! rows and columns (an nn.Linear weight is out x in) and is stored column-major: entry (i, j)
//! sits at `offset + i + j * rows`, the order of nalgebra and of the MLP's weights. The 2-D
//! view's point is the 1 x 2 matrix [[x, y]]: [`ParamLayout::point`], the default.

/// What a block of the parameter vector is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    /// A 1-D tensor (a bias): Adafactor keeps its second moment unfactored.
    Vector,
    /// The weight matrix of the first or the last layer: Muon leaves it to its AdamW.
    OuterMatrix,
    /// A weight matrix between two hidden layers, or the 2-D view's point: Muon's.
    HiddenMatrix,
}

/// One tensor in the flat vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    /// Index of its first entry.
    pub offset: usize,
    /// Rows (a vector's length).
    pub rows: usize,
    /// Columns (1 for a vector).
    pub cols: usize,
    /// Vector, outer or hidden matrix.
    pub kind: BlockKind,
}

impl Block {
    /// A vector of `len` entries from `offset`.
    #[must_use]
    pub fn vector(offset: usize, len: usize) -> Self {
        Self {
            offset,
            rows: len,
            cols: 1,
            kind: BlockKind::Vector,
        }
    }

    /// A `rows` x `cols` matrix stored column-major from `offset`.
    #[must_use]
    pub fn matrix(offset: usize, rows: usize, cols: usize, kind: BlockKind) -> Self {
        Self {
            offset,
            rows,
            cols,
            kind,
        }
    }

    /// Number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rows * self.cols
    }

    /// True for a block without entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True for a 2-D tensor (what torch's `grad.dim() > 1` and `p.ndim == 2` test).
    #[must_use]
    pub fn is_matrix(&self) -> bool {
        self.kind != BlockKind::Vector
    }

    /// The entries' range in the flat vector.
    #[must_use]
    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.len()
    }

    /// Index in the flat vector of entry (i, j).
    #[must_use]
    pub fn index(&self, i: usize, j: usize) -> usize {
        self.offset + i + j * self.rows
    }
}

/// The blocks of a parameter vector (see the module documentation).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParamLayout {
    /// Empty: the whole vector is one 1 x n hidden matrix, n being its length.
    blocks: Vec<Block>,
}

impl ParamLayout {
    /// The 2-D view's point, and any vector without structure: one 1 x n matrix [[x, y]].
    #[must_use]
    pub fn point() -> Self {
        Self::default()
    }

    /// The given blocks, which should tile 0..n in order (else the optimizer falls back to
    /// [`ParamLayout::point`]).
    #[must_use]
    pub fn new(blocks: Vec<Block>) -> Self {
        Self { blocks }
    }

    /// The blocks for a vector of length n: these blocks if they tile 0..n in order, else one
    /// 1 x n hidden matrix. Called once, when an optimizer sizes its state.
    #[must_use]
    pub fn blocks(&self, n: usize) -> Vec<Block> {
        let mut next = 0;
        let tiles = self.blocks.iter().all(|b| {
            let ok = b.offset == next && !b.is_empty();
            next += b.len();
            ok
        });
        if tiles && next == n && n > 0 {
            self.blocks.clone()
        } else {
            vec![Block::matrix(0, 1, n, BlockKind::HiddenMatrix)]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_point_is_one_row_and_a_layout_that_does_not_fit_falls_back_to_it() {
        let row = vec![Block::matrix(0, 1, 2, BlockKind::HiddenMatrix)];
        assert_eq!(ParamLayout::point().blocks(2), row);
        let mlp = ParamLayout::new(vec![
            Block::matrix(0, 3, 2, BlockKind::OuterMatrix),
            Block::vector(6, 3),
        ]);
        assert_eq!(mlp.blocks(9).len(), 2);
        assert_eq!(mlp.blocks(2), row, "the wrong length");
        let gap = ParamLayout::new(vec![Block::vector(0, 1), Block::vector(2, 1)]);
        assert_eq!(gap.blocks(3).len(), 1, "a gap");
        let b = Block::matrix(4, 3, 2, BlockKind::HiddenMatrix);
        assert_eq!((b.index(0, 0), b.index(2, 0), b.index(0, 1)), (4, 6, 7));
    }
}
