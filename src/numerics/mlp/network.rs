//! The network: layout of the flat parameter vector, initialisation, forward and backward
//! passes over a whole minibatch, the losses and the weight penalty.
//!
//! Samples are the columns of every matrix (A_l is n_l x B, column-major). The products are
//! written as loops over column-major slices into buffers allocated once (a [`Workspace`]):
//! Z = W A as z_j = b + sum_k W[:, k] a_kj, dW += delta_j a_j' as rank-one updates, and
//! W' delta as column dot products. For these shapes (at most 16 x 16 x B) that is faster than
//! nalgebra's general routines, whose per-call overhead dominates at this size, and it never
//! allocates: nalgebra's `gemm` on dynamic matrices hands anything larger than 5 x 5 to
//! matrixmultiply, which allocates a packing buffer on every call. Each kernel is compiled for
//! every layer width 1 to 16 (`by_width!`), so its partial sums stay in registers; every sum
//! runs in the same order whatever the width. tanh, the other large cost of a step, takes its
//! exponential from a table-driven routine written here, so that a layer's tanh vectorises.

use super::{MAX_HIDDEN_LAYERS, MAX_UNITS, rng};
use crate::numerics::ParamError;
use nalgebra::DMatrix;
use rand::RngExt;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The nonlinearity of the hidden layers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    /// max(0, z).
    ReLU,
    /// tanh z.
    #[default]
    Tanh,
    /// 1 / (1 + e^-z).
    Sigmoid,
    /// z (the network is then an affine map).
    Linear,
}

impl Activation {
    /// Every activation, in menu order.
    pub const ALL: [Self; 4] = [Self::ReLU, Self::Tanh, Self::Sigmoid, Self::Linear];

    /// Lower-case name, as on a slide.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::ReLU => "relu",
            Self::Tanh => "tanh",
            Self::Sigmoid => "sigmoid",
            Self::Linear => "linear",
        }
    }

    /// f(z).
    #[inline]
    #[must_use]
    pub fn apply(self, z: f64) -> f64 {
        match self {
            Self::ReLU => z.max(0.0),
            Self::Tanh => tanh(z),
            Self::Sigmoid => sigmoid(z),
            Self::Linear => z,
        }
    }

    /// Replaces every z of `v` by f(z), exactly as [`Self::apply`] does (one loop per
    /// activation; tanh's vectorises).
    pub fn apply_all(self, v: &mut [f64]) {
        match self {
            Self::Tanh => {
                // Block by block, in three loops, so that the compiler vectorises the two
                // without table look-ups: the exponentials' arithmetic, their look-ups, and
                // tanh's division.
                const BLOCK: usize = 64;
                let mut t = [0.0; BLOCK];
                let mut e = [0.0; BLOCK];
                for block in v.chunks_mut(BLOCK) {
                    for ((t, q), &z) in t.iter_mut().zip(e.iter_mut()).zip(block.iter()) {
                        (*t, *q) = exp_reduce(tanh_exp_argument(z));
                    }
                    for (e, &t) in e.iter_mut().zip(&t) {
                        *e = exp_finish(t, *e);
                    }
                    for (z, &e) in block.iter_mut().zip(&e) {
                        *z = tanh_from_exp(*z, e);
                    }
                }
            }
            Self::ReLU => {
                for z in v {
                    *z = Self::ReLU.apply(*z);
                }
            }
            Self::Sigmoid => {
                for z in v {
                    *z = sigmoid(*z);
                }
            }
            Self::Linear => {}
        }
    }

    /// d_i *= f'(z_i) for every i, from the outputs a = f(z) (as
    /// [`Self::derivative_from_output`]).
    pub fn multiply_by_derivative(self, d: &mut [f64], a: &[f64]) {
        // One loop per activation, so that each is a plain vectorisable loop.
        match self {
            Self::ReLU => {
                for (d, &a) in d.iter_mut().zip(a) {
                    *d *= Self::ReLU.derivative_from_output(a);
                }
            }
            Self::Tanh => {
                for (d, &a) in d.iter_mut().zip(a) {
                    *d *= Self::Tanh.derivative_from_output(a);
                }
            }
            Self::Sigmoid => {
                for (d, &a) in d.iter_mut().zip(a) {
                    *d *= Self::Sigmoid.derivative_from_output(a);
                }
            }
            // f' = 1.
            Self::Linear => {}
        }
    }

    /// f'(z) written in terms of the output a = f(z) (what the backward pass keeps).
    #[inline]
    #[must_use]
    pub fn derivative_from_output(self, a: f64) -> f64 {
        match self {
            Self::ReLU => {
                if a > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Self::Tanh => 1.0 - a * a,
            Self::Sigmoid => a * (1.0 - a),
            Self::Linear => 1.0,
        }
    }
}

/// tanh z = sign(z) (1 - e) / (1 + e) with e = exp(-2 |z|): one exponential instead of libm's
/// `tanh`, and that one computed here (a table-driven exp) rather than by a libm call, so
/// that a whole layer's activations vectorise (the hidden layers evaluate it B x units times
/// per step). Its absolute error is below 1e-15 everywhere (tested against `f64::tanh`); only
/// the relative error of tiny values |z| < 1e-8 is larger, which no activation, gradient or
/// loss notices.
#[inline]
#[must_use]
pub fn tanh(z: f64) -> f64 {
    tanh_from_exp(z, tanh_exp(z))
}

/// The exponential [`tanh`] takes: exp(-2 |z|), or exp(-40) when that is smaller.
#[inline]
fn tanh_exp(z: f64) -> f64 {
    exp_tanh_range(tanh_exp_argument(z))
}

/// -2 |z|, or -40 when that is smaller. Below -40, e^x < 2^-57: 1 - e and 1 + e both round
/// to 1 and tanh is exactly +-1 whatever e is, so the argument is clamped to where 2^k stays
/// a normal number. NaN stays NaN (the comparison is false).
#[inline]
fn tanh_exp_argument(z: f64) -> f64 {
    let x = -2.0 * z.abs();
    if x < -40.0 { -40.0 } else { x }
}

/// tanh z from z and e = [`tanh_exp`] (z).
#[inline]
fn tanh_from_exp(z: f64, e: f64) -> f64 {
    ((1.0 - e) / (1.0 + e)).copysign(z)
}

/// e^x for -40 <= x <= 0 (and NaN), table-driven (Tang, "Table-driven implementation of the
/// exponential function in IEEE floating-point arithmetic", ACM TOMS 15, 1989; the layout
/// of musl's and glibc's `exp`): x = (128 q + i) ln2 / 128 + r with |r| <= ln2 / 256, so
/// e^x = 2^q 2^(i/128) e^r, 2^(i/128) from a table as a double plus its relative rounding
/// error, e^r - 1 from its Taylor polynomial of degree 5 (the next term is below 1e-18).
/// Within 1 ulp of libm's `exp` (tested), with no call, no division and no branch, so a
/// loop of it pipelines.
#[inline]
fn exp_tanh_range(x: f64) -> f64 {
    let (t, q) = exp_reduce(x);
    exp_finish(t, q)
}

/// The table-free first half of [`exp_tanh_range`] (vectorises): t = 128 x / ln2 + 1.5 *
/// 2^52, whose low bits hold n, the integer nearest to 128 x / ln2, and q = e^r - 1 for
/// r = x - n ln2 / 128.
#[inline]
fn exp_reduce(x: f64) -> (f64, f64) {
    const INV_LN2_128: f64 = f64::from_bits(0x4067_1547_652B_82FE);
    // ln2 / 128 in two parts; the high one has 40 significant bits, so n * LN2_128_HI is
    // exact for |n| < 2^13 (here |n| <= 7387).
    const LN2_128_HI: f64 = f64::from_bits(0x3F76_2E42_FEFA_4000);
    const LN2_128_LO: f64 = f64::from_bits(0xBCD8_432A_1B0E_2634);
    // 1.5 * 2^52: adding it rounds to an integer (ties to even) and leaves that integer in
    // the low bits of the sum.
    const SHIFT: f64 = f64::from_bits(0x4338_0000_0000_0000);
    const C3: f64 = 1.0 / 6.0;
    const C4: f64 = 1.0 / 24.0;
    const C5: f64 = 1.0 / 120.0;
    let t = x * INV_LN2_128 + SHIFT;
    let n = t - SHIFT;
    // x - n * LN2_128_HI is exact (the two are within a factor 2 of each other, or n = 0).
    let r = (x - n * LN2_128_HI) - n * LN2_128_LO;
    let r2 = r * r;
    (t, r + r2 * (0.5 + r * C3) + r2 * r2 * (C4 + r * C5))
}

/// The second half of [`exp_tanh_range`]: e^x = 2^q 2^(i/128) (1 + tail_i + q) from
/// [`exp_reduce`]'s (t, q), with n = 128 q + i.
#[inline]
fn exp_finish(t: f64, q: f64) -> f64 {
    let bits = t.to_bits();
    // i in the low 7 bits of n; q << 52, added to the exponent bits of 2^(i/128), makes
    // 2^q 2^(i/128) (wrapping: q <= 0 here).
    let i = usize::try_from(bits & 127).unwrap_or(0);
    let scale = f64::from_bits(EXP2_FRACTION_BITS[i].wrapping_add((bits & !127) << 45));
    let tail = f64::from_bits(EXP2_FRACTION_TAIL_BITS[i]);
    scale + scale * (tail + q)
}

// Generated with Python's `decimal` at 60 digits: s = float(2^(i/128)) (correctly rounded)
// and tail = float((2^(i/128) - s) / s).
/// 2^(i / 128) rounded to a double (bit patterns), i = 0..128.
const EXP2_FRACTION_BITS: [u64; 128] = [
    0x3FF0_0000_0000_0000,
    0x3FF0_163D_A9FB_3335,
    0x3FF0_2C9A_3E77_8061,
    0x3FF0_4315_E86E_7F85,
    0x3FF0_59B0_D315_8574,
    0x3FF0_706B_29DD_F6DE,
    0x3FF0_8745_1875_9BC8,
    0x3FF0_9E3E_CAC6_F383,
    0x3FF0_B558_6CF9_890F,
    0x3FF0_CC92_2B72_47F7,
    0x3FF0_E3EC_32D3_D1A2,
    0x3FF0_FB66_AFFE_D31B,
    0x3FF1_1301_D012_5B51,
    0x3FF1_2ABD_C06C_31CC,
    0x3FF1_429A_AEA9_2DE0,
    0x3FF1_5A98_C8A5_8E51,
    0x3FF1_72B8_3C7D_517B,
    0x3FF1_8AF9_388C_8DEA,
    0x3FF1_A35B_EB6F_CB75,
    0x3FF1_BBE0_8404_5CD4,
    0x3FF1_D487_3168_B9AA,
    0x3FF1_ED50_22FC_D91D,
    0x3FF2_063B_8862_8CD6,
    0x3FF2_1F49_917D_DC96,
    0x3FF2_387A_6E75_6238,
    0x3FF2_51CE_4FB2_A63F,
    0x3FF2_6B45_65E2_7CDD,
    0x3FF2_84DF_E1F5_6381,
    0x3FF2_9E9D_F51F_DEE1,
    0x3FF2_B87F_D0DA_D990,
    0x3FF2_D285_A6E4_030B,
    0x3FF2_ECAF_A93E_2F56,
    0x3FF3_06FE_0A31_B715,
    0x3FF3_2170_FC4C_D831,
    0x3FF3_3C08_B264_16FF,
    0x3FF3_56C5_5F92_9FF1,
    0x3FF3_71A7_373A_A9CB,
    0x3FF3_8CAE_6D05_D866,
    0x3FF3_A7DB_34E5_9FF7,
    0x3FF3_C32D_C313_A8E5,
    0x3FF3_DEA6_4C12_3422,
    0x3FF3_FA45_04AC_801C,
    0x3FF4_160A_21F7_2E2A,
    0x3FF4_31F5_D950_A897,
    0x3FF4_4E08_6061_892D,
    0x3FF4_6A41_ED1D_0057,
    0x3FF4_86A2_B5C1_3CD0,
    0x3FF4_A32A_F0D7_D3DE,
    0x3FF4_BFDA_D536_2A27,
    0x3FF4_DCB2_99FD_DD0D,
    0x3FF4_F9B2_769D_2CA7,
    0x3FF5_16DA_A2CF_6642,
    0x3FF5_342B_569D_4F82,
    0x3FF5_51A4_CA5D_920F,
    0x3FF5_6F47_36B5_27DA,
    0x3FF5_8D12_D497_C7FD,
    0x3FF5_AB07_DD48_5429,
    0x3FF5_C926_8A59_46B7,
    0x3FF5_E76F_15AD_2148,
    0x3FF6_05E1_B976_DC09,
    0x3FF6_247E_B03A_5585,
    0x3FF6_4346_34CC_C320,
    0x3FF6_6238_8255_2225,
    0x3FF6_8155_D44C_A973,
    0x3FF6_A09E_667F_3BCD,
    0x3FF6_C012_750B_DABF,
    0x3FF6_DFB2_3C65_1A2F,
    0x3FF6_FF7D_F951_9484,
    0x3FF7_1F75_E8EC_5F74,
    0x3FF7_3F9A_48A5_8174,
    0x3FF7_5FEB_5642_67C9,
    0x3FF7_8069_4FDE_5D3F,
    0x3FF7_A114_73EB_0187,
    0x3FF7_C1ED_0130_C132,
    0x3FF7_E2F3_36CF_4E62,
    0x3FF8_0427_543E_1A12,
    0x3FF8_2589_994C_CE13,
    0x3FF8_471A_4623_C7AD,
    0x3FF8_68D9_9B44_92ED,
    0x3FF8_8AC7_D98A_6699,
    0x3FF8_ACE5_422A_A0DB,
    0x3FF8_CF32_16B5_448C,
    0x3FF8_F1AE_9915_7736,
    0x3FF9_145B_0B91_FFC6,
    0x3FF9_3737_B0CD_C5E5,
    0x3FF9_5A44_CBC8_520F,
    0x3FF9_7D82_9FDE_4E50,
    0x3FF9_A0F1_70CA_07BA,
    0x3FF9_C491_82A3_F090,
    0x3FF9_E863_19E3_2323,
    0x3FFA_0C66_7B5D_E565,
    0x3FFA_309B_EC4A_2D33,
    0x3FFA_5503_B23E_255D,
    0x3FFA_799E_1330_B358,
    0x3FFA_9E6B_5579_FDBF,
    0x3FFA_C36B_BFD3_F37A,
    0x3FFA_E89F_995A_D3AD,
    0x3FFB_0E07_298D_B666,
    0x3FFB_33A2_B84F_15FB,
    0x3FFB_5972_8DE5_593A,
    0x3FFB_7F76_F2FB_5E47,
    0x3FFB_A5B0_30A1_064A,
    0x3FFB_CC1E_904B_C1D2,
    0x3FFB_F2C2_5BD7_1E09,
    0x3FFC_199B_DD85_529C,
    0x3FFC_40AB_5FFF_D07A,
    0x3FFC_67F1_2E57_D14B,
    0x3FFC_8F6D_9406_E7B5,
    0x3FFC_B720_DCEF_9069,
    0x3FFC_DF0B_555D_C3FA,
    0x3FFD_072D_4A07_897C,
    0x3FFD_2F87_080D_89F2,
    0x3FFD_5818_DCFB_A487,
    0x3FFD_80E3_16C9_8398,
    0x3FFD_A9E6_03DB_3285,
    0x3FFD_D321_F301_B460,
    0x3FFD_FC97_337B_9B5F,
    0x3FFE_2646_14F5_A129,
    0x3FFE_502E_E78B_3FF6,
    0x3FFE_7A51_FBC7_4C83,
    0x3FFE_A4AF_A2A4_90DA,
    0x3FFE_CF48_2D8E_67F1,
    0x3FFE_FA1B_EE61_5A27,
    0x3FFF_252B_376B_BA97,
    0x3FFF_5076_5B6E_4540,
    0x3FFF_7BFD_AD9C_BE14,
    0x3FFF_A7C1_819E_90D8,
    0x3FFF_D3C2_2B8F_71F1,
];
/// (2^(i / 128) - EXP2_FRACTION[i]) / EXP2_FRACTION[i], the relative rounding error of each
/// entry (bit patterns).
const EXP2_FRACTION_TAIL_BITS: [u64; 128] = [
    0x0000_0000_0000_0000,
    0x3C9B_3B4F_1A88_BF6E,
    0xBC71_6013_9CD8_DC5D,
    0xBC90_5E7A_1087_66D1,
    0x3C8C_D252_3567_F613,
    0xBC8B_CE80_23F9_8EFA,
    0x3C60_F74E_61E6_C861,
    0x3C90_A3E4_5B33_D399,
    0x3C97_9AA6_5D83_7B6D,
    0x3C8E_B51A_92FD_EFFC,
    0x3C3E_BE3D_702F_9CD1,
    0xBC6A_0334_8990_6E0B,
    0xBC95_5652_2A2F_BD0E,
    0xBC50_80EF_8C4E_EA55,
    0xBC91_C923_B9D5_F416,
    0x3C80_D3E3_E95C_55AF,
    0xBC80_1B15_EAA5_9348,
    0xBC8F_1FF0_55DE_323D,
    0x3C8B_898C_3F13_53BF,
    0xBC96_D99C_7611_EB26,
    0x3C9A_ECF7_3E3A_2F60,
    0xBC8F_E782_CB86_389D,
    0x3C8A_6F41_44A6_C38D,
    0x3C80_7A05_B0E4_047D,
    0x3C96_8EFD_E3A8_A894,
    0x3C87_5E18_F274_487D,
    0x3C80_472B_981F_E7F2,
    0xBC96_B87B_3F71_085E,
    0x3C82_F7E1_6D09_AB31,
    0xBC3D_219B_1A6F_BFFA,
    0x3C8B_3782_720C_0AB4,
    0x3C6E_1492_89CE_CB8F,
    0x3C83_4D75_4DB0_ABB6,
    0x3C86_4201_E2AC_744C,
    0x3C8F_DD39_5DD3_F84A,
    0xBC86_A380_3B8E_5B04,
    0xBC92_4AED_CC4B_5068,
    0xBC99_07F8_1B51_2D8E,
    0xBC71_D1E8_3E94_36D2,
    0xBC99_1919_B3CE_1B15,
    0x3C85_9F48_A72A_4C6D,
    0xBC93_1260_7A28_698A,
    0xBC58_A78F_4817_895B,
    0xBC7C_2C9B_6749_9A1B,
    0x3C43_63ED_60C2_AC11,
    0x3C96_6609_3B06_64EF,
    0x3C6E_CCE1_DAA1_0379,
    0x3C93_FF8E_3F0F_1230,
    0x3C76_90CE_BB7A_AFB0,
    0x3C93_1DBD_EB54_E077,
    0xBC8F_9434_0071_A38E,
    0xBC87_DECC_DC93_A349,
    0xBC78_DEC6_BD0F_385F,
    0xBC86_1246_EC7B_5CF6,
    0x3C93_3505_18FD_D78E,
    0x3C7B_98B7_2F8A_9B05,
    0x3C90_63E1_E21C_5409,
    0x3C34_C785_5019_C6EA,
    0x3C94_32E6_2B64_C035,
    0xBC8C_E44A_6199_769F,
    0xBC8C_33C5_3BEF_4DA8,
    0xBC84_5378_892B_E9AE,
    0xBC93_CEDD_7856_5858,
    0x3C57_10AA_807E_1964,
    0xBC93_B3EF_BF5E_2228,
    0xBC6A_12AD_8734_B982,
    0xBC63_67EF_B86D_A9EE,
    0xBC80_DC3D_54E0_8851,
    0xBC78_1F64_7E5A_3ECF,
    0xBC86_EE4A_C08B_7DB0,
    0xBC86_1932_1E55_E68A,
    0x3C90_9CCB_5E09_D4D3,
    0xBC7B_32DC_B94D_A51D,
    0x3C94_ECFD_5467_C06B,
    0x3C65_EBE1_ABD6_6C55,
    0xBC88_A1C5_2FB3_CF42,
    0xBC93_69B6_F13B_3734,
    0xBC80_5E84_3A19_FF1E,
    0xBC94_D450_D872_576E,
    0x3C90_AD67_5B0E_8A00,
    0x3C8D_B72F_C1F0_EAB4,
    0xBC65_B660_9CC5_E7FF,
    0x3C7B_F683_59F3_5F44,
    0xBC93_091F_A71E_3D83,
    0xBC5D_A9B8_8B6C_1E29,
    0xBC6C_23F9_7C90_B959,
    0xBC92_4343_22F4_F9AA,
    0xBC85_CA6C_D766_8E4B,
    0x3C71_AFFC_2B91_CE27,
    0x3C6D_D235_E10A_73BB,
    0xBC87_C504_2262_2263,
    0x3C8B_1C86_E3E2_31D5,
    0xBC91_BBD1_D3BC_BB15,
    0x3C90_CC31_9CEE_31D2,
    0x3C84_6984_6E73_5AB3,
    0xBC82_DFCD_978E_9DB4,
    0x3C8C_1A77_92CB_3387,
    0xBC90_7B8F_4AD1_D9FA,
    0xBC55_C3D9_56DC_AEBA,
    0xBC90_A40E_3DA6_F640,
    0xBC68_D6F4_38AD_9334,
    0xBC91_EEE2_6B58_8A35,
    0x3C74_FFD7_0A5F_DDCD,
    0xBC91_BDFB_FA92_98AC,
    0x3C73_6EAE_30AF_0CB3,
    0x3C8E_E332_5C9F_FD94,
    0x3C84_E08F_D109_59AC,
    0x3C63_CDAF_384E_1A67,
    0x3C67_6B2C_6C92_1968,
    0xBC80_8A18_83CC_B5D2,
    0xBC8F_AD5D_3FFF_FA6F,
    0xBC90_0DAE_3875_A949,
    0x3C74_A385_A63D_07A7,
    0xBC82_919E_2040_220F,
    0x3C8E_5A50_D5C1_92AC,
    0x3C84_3A59_AC01_6B4B,
    0xBC82_D521_07B4_3E1F,
    0xBC89_2AB9_3B47_0DC9,
    0x3C74_B604_603A_88D3,
    0x3C83_C5EC_519D_7271,
    0xBC8F_F712_8FD3_91F0,
    0xBC8D_AE98_E223_747D,
    0x3C8E_C3BC_41AA_2008,
    0x3C84_2B94_C3A9_EB32,
    0x3C8A_64A9_31D1_85EE,
    0xBC8E_37BA_E43B_E3ED,
    0x3C77_893B_4D91_CD9D,
    0x3C53_05C1_4160_CC89,
];

/// The logistic function 1 / (1 + e^-z), without overflow for large |z|.
#[inline]
#[must_use]
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// How the weights are drawn (biases start at 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Init {
    /// He for the layers followed by ReLU, Glorot (Xavier) uniform for every other layer
    /// (tanh, sigmoid, linear, and the output layer).
    #[default]
    Auto,
    /// Glorot / Xavier uniform everywhere: W ~ U(-r, r), r = sqrt(6 / (fan_in + fan_out)).
    Xavier,
    /// He (Kaiming) normal everywhere: W ~ N(0, 2 / fan_in).
    He,
}

/// The weight penalty added to the data loss (weights only, never biases).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Regularization {
    /// No penalty.
    #[default]
    None,
    /// lambda * sum |w| (gradient lambda * sign(w), 0 at w = 0).
    L1(f64),
    /// lambda / 2 * sum w^2 (gradient lambda * w, torch's `weight_decay`).
    L2(f64),
}

impl Regularization {
    /// Checks lambda.
    pub fn validate(&self) -> Result<(), ParamError> {
        match *self {
            Self::None => Ok(()),
            Self::L1(l) | Self::L2(l) => crate::numerics::checks::non_negative("0", l),
        }
    }

    /// The penalty at weight w.
    #[inline]
    fn value(self, w: f64) -> f64 {
        match self {
            Self::None => 0.0,
            Self::L1(l) => l * w.abs(),
            Self::L2(l) => 0.5 * l * w * w,
        }
    }

    /// Its derivative.
    #[inline]
    fn gradient(self, w: f64) -> f64 {
        match self {
            Self::None => 0.0,
            Self::L1(l) => {
                if w > 0.0 {
                    l
                } else if w < 0.0 {
                    -l
                } else {
                    0.0
                }
            }
            Self::L2(l) => l * w,
        }
    }
}

/// What the network predicts, which fixes its output and loss.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Task {
    /// Labels 0 / 1; sigmoid output p = sigma(z), binary cross-entropy, accuracy at p >= 0.5.
    #[default]
    Classification,
    /// Real targets; linear output, mean squared error.
    Regression,
}

/// The network as written in a preset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkSpec {
    /// Units of each hidden layer, input side first (0 to 6 layers of 1 to 16 units).
    pub hidden: Vec<usize>,
    /// Nonlinearity of every hidden layer.
    pub activation: Activation,
    /// Weight initialisation.
    pub init: Init,
    /// Weight penalty.
    pub regularization: Regularization,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        Self {
            hidden: vec![8, 8],
            activation: Activation::Tanh,
            init: Init::Auto,
            regularization: Regularization::None,
        }
    }
}

impl NetworkSpec {
    /// Checks the layer sizes and the penalty; errors name the field.
    pub fn validate(&self) -> Result<(), ParamError> {
        if self.hidden.len() > MAX_HIDDEN_LAYERS {
            return Err(ParamError::new(
                "hidden",
                format!(
                    "at most {MAX_HIDDEN_LAYERS} hidden layers, got {}",
                    self.hidden.len()
                ),
            ));
        }
        for (i, &n) in self.hidden.iter().enumerate() {
            if !(1..=MAX_UNITS).contains(&n) {
                return Err(ParamError::new(
                    format!("hidden[{i}]"),
                    format!("a layer has 1 to {MAX_UNITS} units, got {n}"),
                ));
            }
        }
        self.regularization
            .validate()
            .map_err(|e| e.within("regularization"))
    }
}

/// A fully connected network: sizes, activation, loss, penalty, and where each layer's
/// weights and biases sit in the flat parameter vector.
///
/// Layer l (1..=L) maps n_{l-1} inputs to n_l outputs; its weight matrix W_l (n_l x n_{l-1},
/// column-major) comes first in the vector, then its bias b_l (n_l).
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    /// n_0 (inputs = features), n_1 .. n_{L-1} (hidden), n_L = 1 (output).
    sizes: Vec<usize>,
    activation: Activation,
    task: Task,
    init: Init,
    regularization: Regularization,
    /// Offset of W_l for each layer; the bias follows it.
    offsets: Vec<usize>,
    params: usize,
}

impl Network {
    /// A network on `inputs` features (validated spec; `inputs` >= 1).
    #[must_use]
    pub fn new(inputs: usize, spec: &NetworkSpec, task: Task) -> Self {
        let mut sizes = vec![inputs.max(1)];
        sizes.extend(spec.hidden.iter().map(|&n| n.max(1)));
        sizes.push(1);
        let mut offsets = Vec::with_capacity(sizes.len() - 1);
        let mut params = 0;
        for w in sizes.windows(2) {
            offsets.push(params);
            params += w[1] * w[0] + w[1];
        }
        Self {
            sizes,
            activation: spec.activation,
            task,
            init: spec.init,
            regularization: spec.regularization,
            offsets,
            params,
        }
    }

    /// Length of the flat parameter vector.
    #[must_use]
    pub fn param_count(&self) -> usize {
        self.params
    }

    /// Layer widths: inputs, hidden layers, output (1).
    #[must_use]
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// Number of inputs (features).
    #[must_use]
    pub fn inputs(&self) -> usize {
        self.sizes[0]
    }

    /// Classification or regression.
    #[must_use]
    pub fn task(&self) -> Task {
        self.task
    }

    /// The hidden layers' activation.
    #[must_use]
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The weight penalty.
    #[must_use]
    pub fn regularization(&self) -> Regularization {
        self.regularization
    }

    fn layers(&self) -> usize {
        self.sizes.len() - 1
    }

    /// (offset of W, rows, cols) of layer index l (0-based: l = 0 maps the inputs).
    fn layer(&self, l: usize) -> (usize, usize, usize) {
        (self.offsets[l], self.sizes[l + 1], self.sizes[l])
    }

    /// True for indices of the flat vector that hold weights (false: biases).
    #[must_use]
    pub fn is_weight(&self, index: usize) -> bool {
        (0..self.layers()).any(|l| {
            let (off, rows, cols) = self.layer(l);
            (off..off + rows * cols).contains(&index)
        })
    }

    /// Seeded initial parameters (see [`Init`]); biases are 0.
    #[must_use]
    pub fn initial_params(&self, seed: u64) -> Vec<f64> {
        let mut rng = rng(seed, 0x1417);
        let mut p = vec![0.0; self.params];
        for l in 0..self.layers() {
            let (off, rows, cols) = self.layer(l);
            #[allow(clippy::cast_precision_loss, reason = "layer widths are at most 16")]
            let (fan_in, fan_out) = (cols as f64, rows as f64);
            let hidden_relu = l + 1 < self.layers() && self.activation == Activation::ReLU;
            let he = match self.init {
                Init::Auto => hidden_relu,
                Init::Xavier => false,
                Init::He => true,
            };
            for w in &mut p[off..off + rows * cols] {
                *w = if he {
                    (2.0 / fan_in).sqrt() * rng.sample::<f64, _>(StandardNormal)
                } else {
                    let r = (6.0 / (fan_in + fan_out)).sqrt();
                    rng.random_range(-r..r)
                };
            }
        }
        p
    }

    /// The weight penalty R(w) of a parameter vector.
    #[must_use]
    pub fn penalty(&self, params: &[f64]) -> f64 {
        if self.regularization == Regularization::None {
            return 0.0;
        }
        let mut r = 0.0;
        for l in 0..self.layers() {
            let (off, rows, cols) = self.layer(l);
            r += params[off..off + rows * cols]
                .iter()
                .map(|&w| self.regularization.value(w))
                .sum::<f64>();
        }
        r
    }

    fn add_penalty_gradient(&self, params: &[f64], grad: &mut [f64]) {
        if self.regularization == Regularization::None {
            return;
        }
        for l in 0..self.layers() {
            let (off, rows, cols) = self.layer(l);
            for (g, &w) in grad[off..off + rows * cols]
                .iter_mut()
                .zip(&params[off..off + rows * cols])
            {
                *g += self.regularization.gradient(w);
            }
        }
    }

    /// Forward pass of `b` samples, `x` holding their features column-major (sample j at
    /// `x[j * n_0..(j + 1) * n_0]`): fills the workspace's activations; the output layer's
    /// pre-activation z_L is the last buffer.
    fn forward(&self, params: &[f64], x: &[f64], b: usize, ws: &mut Workspace) {
        let layers = self.layers();
        for l in 0..layers {
            let (off, rows, cols) = self.layer(l);
            let w = &params[off..off + rows * cols];
            let bias = &params[off + rows * cols..off + rows * cols + rows];
            let (before, after) = ws.acts.split_at_mut(l);
            let input: &[f64] = if l == 0 { x } else { &before[l - 1] };
            let out = &mut after[0][..rows * b];
            by_width!(rows, affine(out, w, bias, &input[..cols * b], cols));
            if l + 1 < layers {
                self.activation.apply_all(out);
            }
        }
    }

    /// Adds the data loss of `y.len()` samples times `scale` and, when `grad` is given, adds
    /// its gradient times `scale`; returns (scaled loss sum, correct predictions).
    fn accumulate(
        &self,
        params: &[f64],
        x: &[f64],
        y: &[f64],
        scale: f64,
        ws: &mut Workspace,
        grad: Option<&mut [f64]>,
    ) -> (f64, usize) {
        let b = y.len();
        self.forward(params, x, b, ws);
        let last = self.layers() - 1;
        let mut loss = 0.0;
        let mut correct = 0;
        let (z_out, delta_out) = (&ws.acts[last][..b], &mut ws.deltas[last][..b]);
        for ((&z, &t), delta) in z_out.iter().zip(y).zip(delta_out) {
            let (l, d) = match self.task {
                Task::Classification => {
                    // log(1 + e^z) - t z, written so that it never overflows. e^-|z| serves
                    // the loss and sigma(z) (it is the e^-z or e^z that `sigmoid` takes).
                    let e = (-z.abs()).exp();
                    let l = z.max(0.0) - z * t + e.ln_1p();
                    correct += usize::from((z >= 0.0) == (t >= 0.5));
                    let p = if z >= 0.0 {
                        1.0 / (1.0 + e)
                    } else {
                        e / (1.0 + e)
                    };
                    (l, p - t)
                }
                Task::Regression => {
                    let r = z - t;
                    (r * r, 2.0 * r)
                }
            };
            loss += l;
            *delta = scale * d;
        }
        if let Some(grad) = grad {
            self.backward(params, x, b, ws, grad);
        }
        (scale * loss, correct)
    }

    /// Backward pass from the last delta buffer (dLoss/dz_L per sample): adds the gradient
    /// of every weight and bias to `grad`.
    fn backward(&self, params: &[f64], x: &[f64], b: usize, ws: &mut Workspace, grad: &mut [f64]) {
        for l in (0..self.layers()).rev() {
            let (off, rows, cols) = self.layer(l);
            let (gw, rest) = grad[off..].split_at_mut(rows * cols);
            let gb = &mut rest[..rows];
            let (d_before, d_after) = ws.deltas.split_at_mut(l);
            let delta = &d_after[0][..rows * b];
            let input: &[f64] = if l == 0 {
                &x[..cols * b]
            } else {
                &ws.acts[l - 1][..cols * b]
            };
            // db += sum_j delta_j.
            by_width!(rows, sum_columns(gb, delta));
            // dW += sum_j delta_j a_j', each entry summed over j in sample order.
            if rows == 1 && cols <= MAX_UNITS {
                // One row (the output layer): dW' = sum_j a_j delta_j, a sum of whole
                // columns of A.
                by_width!(cols, add_columns(gw, input, delta));
            } else {
                by_width!(rows, weight_gradient(gw, delta, input, &mut ws.row[..b]));
            }
            if l == 0 {
                // The inputs are data: no delta for them.
                break;
            }
            // delta_{l-1} = (W_l' delta_l) .* f'(a_{l-1}). W' is copied once per layer so that
            // the product, like the forward one, is a sum of scaled columns (vectorisable),
            // not a dot product per entry (a chain of dependent additions).
            let w = &params[off..off + rows * cols];
            let wt = &mut ws.transposed[..rows * cols];
            for (i, wti) in wt.chunks_exact_mut(cols).enumerate() {
                for (k, v) in wti.iter_mut().enumerate() {
                    *v = w[k * rows + i];
                }
            }
            let prev = &mut d_before[l - 1][..cols * b];
            let a = &ws.acts[l - 1][..cols * b];
            by_width!(cols, back_propagate(prev, wt, delta, rows));
            self.activation.multiply_by_derivative(prev, a);
        }
    }

    /// The training objective on one batch: mean data loss + penalty; writes its gradient.
    /// `x` holds the batch's features column-major (`y.len()` samples of `inputs()` values),
    /// at most the workspace's capacity of samples.
    pub fn loss_and_gradient(
        &self,
        params: &[f64],
        x: &[f64],
        y: &[f64],
        ws: &mut Workspace,
        grad: &mut [f64],
    ) -> f64 {
        grad.fill(0.0);
        #[allow(clippy::cast_precision_loss, reason = "batch sizes are small")]
        let scale = 1.0 / y.len().max(1) as f64;
        let (loss, _) = self.accumulate(params, x, y, scale, ws, Some(grad));
        self.add_penalty_gradient(params, grad);
        loss + self.penalty(params)
    }

    /// Mean data loss (no penalty) and accuracy (fraction correct; meaningless for
    /// regression) over any number of samples (`x`: features x samples), in chunks of the
    /// workspace's capacity. When `grad` is given it receives the gradient of mean data loss
    /// + penalty.
    pub fn evaluate(
        &self,
        params: &[f64],
        x: &DMatrix<f64>,
        y: &[f64],
        ws: &mut Workspace,
        mut grad: Option<&mut [f64]>,
    ) -> (f64, f64) {
        let n = y.len().min(x.ncols());
        if n == 0 {
            return (0.0, 0.0);
        }
        if let Some(g) = grad.as_deref_mut() {
            g.fill(0.0);
        }
        #[allow(clippy::cast_precision_loss, reason = "data sets are small")]
        let scale = 1.0 / n as f64;
        let (mut loss, mut correct) = (0.0, 0);
        let f = self.inputs();
        let mut start = 0;
        while start < n {
            let b = ws.capacity.min(n - start);
            let xc = &x.as_slice()[start * f..(start + b) * f];
            let (l, c) = self.accumulate(
                params,
                xc,
                &y[start..start + b],
                scale,
                ws,
                grad.as_deref_mut(),
            );
            loss += l;
            correct += c;
            start += b;
        }
        if let Some(g) = grad {
            self.add_penalty_gradient(params, g);
        }
        #[allow(clippy::cast_precision_loss, reason = "data sets are small")]
        let acc = correct as f64 / n as f64;
        (loss, acc)
    }

    /// The network's output for every sample of `x` (features column-major): probability
    /// sigma(z) for classification, the value z for regression. `out` is cleared and filled.
    pub fn predict(&self, params: &[f64], x: &[f64], ws: &mut Workspace, out: &mut Vec<f64>) {
        let f = self.inputs();
        let n = x.len() / f;
        out.clear();
        let mut start = 0;
        while start < n {
            let b = ws.capacity.min(n - start);
            self.forward(params, &x[start * f..(start + b) * f], b, ws);
            let z = &ws.acts[self.layers() - 1];
            out.extend(z[..b].iter().map(|&z| match self.task {
                Task::Classification => sigmoid(z),
                Task::Regression => z,
            }));
            start += b;
        }
    }
}

/// Calls `$kernel::<N>(args)` with the const N equal to the width `$n` (1 to [`MAX_UNITS`]),
/// so that the kernel's accumulators are fixed-size arrays the compiler keeps in registers;
/// any other width gets N = 0, which the kernels treat as "width known only at run time".
macro_rules! by_width {
    ($n:expr, $kernel:ident($($arg:expr),* $(,)?)) => {
        match $n {
            1 => $kernel::<1>($($arg),*),
            2 => $kernel::<2>($($arg),*),
            3 => $kernel::<3>($($arg),*),
            4 => $kernel::<4>($($arg),*),
            5 => $kernel::<5>($($arg),*),
            6 => $kernel::<6>($($arg),*),
            7 => $kernel::<7>($($arg),*),
            8 => $kernel::<8>($($arg),*),
            9 => $kernel::<9>($($arg),*),
            10 => $kernel::<10>($($arg),*),
            11 => $kernel::<11>($($arg),*),
            12 => $kernel::<12>($($arg),*),
            13 => $kernel::<13>($($arg),*),
            14 => $kernel::<14>($($arg),*),
            15 => $kernel::<15>($($arg),*),
            16 => $kernel::<16>($($arg),*),
            _ => $kernel::<0>($($arg),*),
        }
    };
}
use by_width;

// The kernels below sum every entry in the same order (sample by sample, column by column),
// whatever N: a fixed width changes where the partial sums live, never the result.
const _: () = assert!(MAX_UNITS == 16, "by_width! covers widths 1 to 16");

/// out += sum_k m[:, k] s_k, with m column-major (out.len() rows, s.len() columns): the
/// kernel of every product here. N is out.len() (0: any length).
#[inline]
fn add_columns<const N: usize>(out: &mut [f64], m: &[f64], s: &[f64]) {
    if N == 0 || out.len() != N {
        let n = out.len().max(1);
        for (col, &sk) in m.chunks_exact(n).zip(s) {
            for (o, &c) in out.iter_mut().zip(col) {
                *o += c * sk;
            }
        }
        return;
    }
    let mut acc = [0.0; N];
    acc.copy_from_slice(out);
    for (col, &sk) in m.as_chunks::<N>().0.iter().zip(s) {
        for (a, &c) in acc.iter_mut().zip(col) {
            *a += c * sk;
        }
    }
    out.copy_from_slice(&acc);
}

/// dW += sum_j delta_j a_j' for a whole batch, with dW column-major (rows x cols), delta
/// (rows x B) and A (cols x B): column k of dW is sum_j delta_j a_kj, a sum of the columns
/// of delta once row k of A is gathered into `row` (B). N is rows (0: any).
#[inline]
fn weight_gradient<const N: usize>(gw: &mut [f64], delta: &[f64], a: &[f64], row: &mut [f64]) {
    let b = row.len().max(1);
    let rows = (delta.len() / b).max(1);
    let cols = (a.len() / b).max(1);
    for (k, gk) in gw.chunks_exact_mut(rows).enumerate() {
        for (r, aj) in row.iter_mut().zip(a.chunks_exact(cols)) {
            *r = aj[k];
        }
        add_columns::<N>(gk, delta, row);
    }
}

/// out += sum_j m[:, j], with m column-major (out.len() rows). N is out.len() (0: any).
#[inline]
fn sum_columns<const N: usize>(out: &mut [f64], m: &[f64]) {
    if N == 0 || out.len() != N {
        let n = out.len().max(1);
        for col in m.chunks_exact(n) {
            for (o, &c) in out.iter_mut().zip(col) {
                *o += c;
            }
        }
        return;
    }
    let mut acc = [0.0; N];
    acc.copy_from_slice(out);
    for col in m.as_chunks::<N>().0 {
        for (a, &c) in acc.iter_mut().zip(col) {
            *a += c;
        }
    }
    out.copy_from_slice(&acc);
}

/// Z = W A + b 1' for a whole batch: z_j = b + sum_k W[:, k] a_kj, with W column-major
/// (bias.len() x cols) and A, Z column-major (one sample per column). N is bias.len()
/// (0: any).
#[inline]
fn affine<const N: usize>(z: &mut [f64], w: &[f64], bias: &[f64], a: &[f64], cols: usize) {
    let rows = bias.len().max(1);
    let cols = cols.max(1);
    if N == 0 || rows != N {
        for (zj, aj) in z.chunks_exact_mut(rows).zip(a.chunks_exact(cols)) {
            zj.copy_from_slice(bias);
            add_columns::<0>(zj, w, aj);
        }
        return;
    }
    let mut b0 = [0.0; N];
    b0.copy_from_slice(bias);
    for (zj, aj) in z
        .as_chunks_mut::<N>()
        .0
        .iter_mut()
        .zip(a.chunks_exact(cols))
    {
        let mut acc = b0;
        for (col, &ak) in w.as_chunks::<N>().0.iter().zip(aj) {
            for (s, &c) in acc.iter_mut().zip(col) {
                *s += c * ak;
            }
        }
        *zj = acc;
    }
}

/// W' delta for a whole batch (the deltas of the layer below before the derivative of its
/// activation): prev_j = W' delta_j, with wt = W' column-major (N x rows), delta (rows x B)
/// and prev (N x B). N is the width of the layer below (0: any).
#[inline]
fn back_propagate<const N: usize>(prev: &mut [f64], wt: &[f64], delta: &[f64], rows: usize) {
    let rows = rows.max(1);
    let cols = wt.len() / rows;
    if N == 0 || cols != N {
        for (dp, dj) in prev
            .chunks_exact_mut(cols.max(1))
            .zip(delta.chunks_exact(rows))
        {
            dp.fill(0.0);
            add_columns::<0>(dp, wt, dj);
        }
        return;
    }
    for (dp, dj) in prev
        .as_chunks_mut::<N>()
        .0
        .iter_mut()
        .zip(delta.chunks_exact(rows))
    {
        let mut acc = [0.0; N];
        for (col, &d) in wt.as_chunks::<N>().0.iter().zip(dj) {
            for (s, &c) in acc.iter_mut().zip(col) {
                *s += c * d;
            }
        }
        *dp = acc;
    }
}

impl fmt::Display for Network {
    /// "2-16-16-1 tanh, BCE, L2 1e-4".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sizes: Vec<String> = self.sizes.iter().map(ToString::to_string).collect();
        write!(f, "{}", sizes.join("-"))?;
        if self.sizes.len() > 2 {
            write!(f, " {}", self.activation.name())?;
        }
        write!(
            f,
            ", {}",
            match self.task {
                Task::Classification => "BCE",
                Task::Regression => "MSE",
            }
        )?;
        match self.regularization {
            Regularization::None => Ok(()),
            Regularization::L1(l) => write!(f, ", L1 {l:e}"),
            Regularization::L2(l) => write!(f, ", L2 {l:e}"),
        }
    }
}

/// Buffers of the forward and backward passes for batches of up to `capacity` samples,
/// allocated once.
#[derive(Clone, Debug)]
pub struct Workspace {
    capacity: usize,
    /// Per layer l: its outputs a_l (n_l x capacity, column-major); the last holds z_L.
    acts: Vec<Vec<f64>>,
    /// Per layer l: dLoss/dz_l (n_l x capacity, column-major).
    deltas: Vec<Vec<f64>>,
    /// W_l' of the layer being back-propagated (n_{l-1} x n_l, column-major).
    transposed: Vec<f64>,
    /// One row of an activation matrix (capacity).
    row: Vec<f64>,
}

impl Workspace {
    /// Buffers for `net` and batches of at most `capacity` samples.
    #[must_use]
    pub fn new(net: &Network, capacity: usize) -> Self {
        let capacity = capacity.max(1);
        let acts = net.sizes[1..]
            .iter()
            .map(|&n| vec![0.0; n * capacity])
            .collect();
        let deltas = net.sizes[1..]
            .iter()
            .map(|&n| vec![0.0; n * capacity])
            .collect();
        let largest = net.sizes.windows(2).map(|w| w[0] * w[1]).max().unwrap_or(0);
        Self {
            capacity,
            acts,
            deltas,
            transposed: vec![0.0; largest],
            row: vec![0.0; capacity],
        }
    }

    /// Largest batch the buffers hold.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::mlp::rng;

    /// A batch of `b` random inputs with labels (0/1) or targets.
    fn batch(inputs: usize, b: usize, task: Task, seed: u64) -> (DMatrix<f64>, Vec<f64>) {
        let mut r = rng(seed, 99);
        let x = DMatrix::from_fn(inputs, b, |_, _| r.random_range(-2.0..2.0));
        let y = (0..b)
            .map(|_| match task {
                Task::Classification => f64::from(u8::from(r.random_bool(0.5))),
                Task::Regression => r.random_range(-1.0..1.0),
            })
            .collect();
        (x, y)
    }

    fn spec(activation: Activation, regularization: Regularization) -> NetworkSpec {
        NetworkSpec {
            hidden: vec![5, 4],
            activation,
            init: Init::Auto,
            regularization,
        }
    }

    /// Backprop against central differences, every parameter, for every activation, both
    /// losses and every penalty.
    #[test]
    fn gradients_match_central_differences() {
        for activation in Activation::ALL {
            for task in [Task::Classification, Task::Regression] {
                for reg in [
                    Regularization::None,
                    Regularization::L1(0.03),
                    Regularization::L2(0.05),
                ] {
                    let net = Network::new(3, &spec(activation, reg), task);
                    let mut params = net.initial_params(11);
                    // Non-zero biases, and no weight near the L1 kink at 0.
                    let mut r = rng(5, 5);
                    for (i, p) in params.iter_mut().enumerate() {
                        if net.is_weight(i) {
                            if p.abs() < 1e-2 {
                                *p += 0.05;
                            }
                        } else {
                            *p = r.random_range(-0.5..0.5);
                        }
                    }
                    let (x, y) = batch(3, 7, task, 3);
                    let mut ws = Workspace::new(&net, 7);
                    let mut grad = vec![0.0; net.param_count()];
                    let f0 = net.loss_and_gradient(&params, x.as_slice(), &y, &mut ws, &mut grad);
                    assert!(f0.is_finite());
                    let h = 1e-6;
                    let mut scratch = vec![0.0; net.param_count()];
                    for i in 0..params.len() {
                        let mut p = params.clone();
                        p[i] += h;
                        let up = net.loss_and_gradient(&p, x.as_slice(), &y, &mut ws, &mut scratch);
                        p[i] -= 2.0 * h;
                        let down =
                            net.loss_and_gradient(&p, x.as_slice(), &y, &mut ws, &mut scratch);
                        let g_fd = (up - down) / (2.0 * h);
                        let err = (grad[i] - g_fd).abs();
                        assert!(
                            err <= 1e-6 * (1.0 + g_fd.abs()),
                            "{activation:?} {task:?} {reg:?} param {i}: backprop {} vs {}",
                            grad[i],
                            g_fd
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn fast_tanh_agrees_with_libm() {
        let mut worst: f64 = 0.0;
        for i in -200_000..=200_000 {
            let z = f64::from(i) * 1e-4;
            worst = worst.max((tanh(z) - z.tanh()).abs());
        }
        assert!(worst < 1e-15, "{worst}");
        assert_eq!(tanh(1e300), 1.0);
        assert_eq!(tanh(-1e300), -1.0);
        assert_eq!(tanh(0.0), 0.0);
        assert!(tanh(f64::NAN).is_nan());
    }

    /// Distance in units in the last place between two positive finite doubles.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn exp_for_tanh_is_within_one_ulp_of_libm() {
        let mut worst = 0;
        let mut same = 0;
        let n = 400_000;
        for i in 0..=n {
            let x = -40.0 * f64::from(i) / f64::from(n);
            let d = ulps(exp_tanh_range(x), x.exp());
            worst = worst.max(d);
            same += i32::from(d == 0);
        }
        // Near 0 as well, where tanh of small z takes 1 - e.
        let mut x = -1e-300;
        while x > -40.0 {
            worst = worst.max(ulps(exp_tanh_range(x), x.exp()));
            x *= 1.001;
        }
        assert!(worst <= 1, "{worst} ulps");
        // 99.9% with glibc 2.36 (both are within about 0.51 ulp, so they rarely differ).
        assert!(same > n / 100 * 99, "{same} of {n} exactly libm's");
        assert_eq!(exp_tanh_range(0.0), 1.0);
        assert_eq!(exp_tanh_range(-0.0), 1.0);
        assert!(exp_tanh_range(f64::NAN).is_nan());
    }

    #[test]
    fn tanh_of_a_layer_equals_tanh_of_each_value() {
        let mut r = rng(7, 7);
        let z: Vec<f64> = (0..999).map(|_| r.random_range(-30.0..30.0)).collect();
        let mut v = z.clone();
        Activation::Tanh.apply_all(&mut v);
        for (a, z) in v.iter().zip(&z) {
            assert_eq!(a.to_bits(), tanh(*z).to_bits());
        }
    }

    #[test]
    fn cross_entropy_is_stable_for_huge_logits() {
        // A 1-1 network with no hidden layer: z = w x + b.
        let net = Network::new(
            1,
            &NetworkSpec {
                hidden: vec![],
                ..NetworkSpec::default()
            },
            Task::Classification,
        );
        let x = DMatrix::from_element(1, 1, 1.0);
        let mut ws = Workspace::new(&net, 1);
        let mut g = vec![0.0; 2];
        for (z, y, expected) in [
            (1000.0, 1.0, 0.0),
            (1000.0, 0.0, 1000.0),
            (-1000.0, 1.0, 1000.0),
            (0.0, 1.0, std::f64::consts::LN_2),
        ] {
            let loss = net.loss_and_gradient(&[z, 0.0], x.as_slice(), &[y], &mut ws, &mut g);
            assert!((loss - expected).abs() < 1e-12, "z {z} y {y}: {loss}");
            assert!(g.iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn chunked_evaluation_equals_one_batch() {
        let net = Network::new(
            2,
            &spec(Activation::Tanh, Regularization::L2(0.1)),
            Task::Classification,
        );
        let params = net.initial_params(2);
        let (x, y) = batch(2, 23, Task::Classification, 8);
        let mut big = Workspace::new(&net, 23);
        let mut g1 = vec![0.0; net.param_count()];
        let f1 = net.loss_and_gradient(&params, x.as_slice(), &y, &mut big, &mut g1);
        let mut small = Workspace::new(&net, 5);
        let mut g2 = vec![0.0; net.param_count()];
        let (data, acc) = net.evaluate(&params, &x, &y, &mut small, Some(&mut g2));
        assert!((f1 - (data + net.penalty(&params))).abs() < 1e-14);
        for (a, b) in g1.iter().zip(&g2) {
            assert!((a - b).abs() < 1e-14);
        }
        let mut p = Vec::new();
        net.predict(&params, x.as_slice(), &mut small, &mut p);
        #[allow(clippy::cast_precision_loss, reason = "23 points")]
        let right = p
            .iter()
            .zip(&y)
            .filter(|(p, y)| (**p >= 0.5) == (**y == 1.0))
            .count() as f64
            / 23.0;
        assert_eq!(acc, right);
    }

    #[test]
    fn initialisation_scales_and_layout() {
        let relu = Network::new(
            16,
            &NetworkSpec {
                hidden: vec![16, 16],
                activation: Activation::ReLU,
                ..NetworkSpec::default()
            },
            Task::Classification,
        );
        assert_eq!(relu.param_count(), 3 * (16 * 16 + 16) - 15 * 16 - 15);
        let p = relu.initial_params(4);
        // Layer 2 (16 -> 16, followed by ReLU): He, std sqrt(2/16).
        let (off, rows, cols) = relu.layer(1);
        let w = &p[off..off + rows * cols];
        let sd = (w.iter().map(|v| v * v).sum::<f64>() / 256.0).sqrt();
        assert!((sd - (2.0_f64 / 16.0).sqrt()).abs() < 0.05, "He std {sd}");
        // Output layer (16 -> 1): Glorot uniform, |w| <= sqrt(6 / 17).
        let (off, rows, cols) = relu.layer(2);
        let r = (6.0_f64 / 17.0).sqrt();
        assert!(p[off..off + rows * cols].iter().all(|v| v.abs() <= r));
        // Biases start at 0.
        assert!(p[off + rows * cols..].iter().all(|&b| b == 0.0));
        assert_eq!(p, relu.initial_params(4), "seeded");
        let tanh = Network::new(
            2,
            &spec(Activation::Tanh, Regularization::None),
            Task::Classification,
        );
        let (off, rows, cols) = tanh.layer(1);
        let r = (6.0_f64 / 9.0).sqrt();
        let w = &tanh.initial_params(1)[off..off + rows * cols];
        assert!(w.iter().all(|v| v.abs() <= r) && w.iter().any(|v| v.abs() > 0.5 * r));
    }

    #[test]
    fn describes_itself_as_on_a_slide() {
        let net = Network::new(
            2,
            &NetworkSpec {
                hidden: vec![16, 16],
                regularization: Regularization::L2(1e-4),
                ..NetworkSpec::default()
            },
            Task::Classification,
        );
        assert_eq!(net.to_string(), "2-16-16-1 tanh, BCE, L2 1e-4");
        let lin = Network::new(
            3,
            &NetworkSpec {
                hidden: vec![],
                ..NetworkSpec::default()
            },
            Task::Regression,
        );
        assert_eq!(lin.to_string(), "3-1, MSE");
    }
}
