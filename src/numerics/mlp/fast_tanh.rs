//! tanh for the hidden layers, fast: one exponential, computed here by a table-driven routine
//! rather than by a libm call, so that a whole layer's activations vectorise.
//!
//! tanh z = sign(z) (1 - e) / (1 + e) with e = exp(-2 |z|), and e^x for -40 <= x <= 0 by
//! Tang's method (2^(i/128) from a table of 128 entries, e^r - 1 from a polynomial). The
//! reference is libm: the tests compare [`tanh`] with `f64::tanh` (absolute error below 1e-15)
//! and the exponential with `f64::exp` (within 1 ulp), by dense sweeps and random arguments,
//! and [`tanh_all`] with [`tanh`] bit for bit. The mathematics of the network, which only says
//! "tanh", is in `network.rs`.

/// Replaces every z of `v` by [`tanh`] (z), bit for bit, in loops the compiler vectorises
/// (inline: the caller runs it inside [`crate::numerics::cpu::fast`]).
#[inline(always)]
pub(super) fn tanh_all(v: &mut [f64]) {
    // Block by block, in three loops, so that the compiler vectorises the two without table
    // look-ups: the exponentials' arithmetic, their look-ups, and tanh's division.
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

/// tanh z = sign(z) (1 - e) / (1 + e) with e = exp(-2 |z|): one exponential instead of libm's
/// `tanh`, and that one computed here (a table-driven exp) rather than by a libm call, so
/// that a whole layer's activations vectorise (the hidden layers evaluate it B x units times
/// per step). Its absolute error is below 1e-15 everywhere (tested against `f64::tanh`); only
/// the relative error of tiny values |z| < 1e-8 is larger, which no activation, gradient or
/// loss notices.
#[inline(always)]
#[must_use]
pub(super) fn tanh(z: f64) -> f64 {
    tanh_from_exp(z, tanh_exp(z))
}

/// The exponential [`tanh`] takes: exp(-2 |z|), or exp(-40) when that is smaller.
#[inline(always)]
fn tanh_exp(z: f64) -> f64 {
    exp_tanh_range(tanh_exp_argument(z))
}

/// -2 |z|, or -40 when that is smaller. Below -40, e^x < 2^-57: 1 - e and 1 + e both round
/// to 1 and tanh is exactly +-1 whatever e is, so the argument is clamped to where 2^k stays
/// a normal number. NaN stays NaN (the comparison is false).
#[inline(always)]
fn tanh_exp_argument(z: f64) -> f64 {
    let x = -2.0 * z.abs();
    if x < -40.0 { -40.0 } else { x }
}

/// tanh z from z and e = [`tanh_exp`] (z).
#[inline(always)]
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
#[inline(always)]
fn exp_tanh_range(x: f64) -> f64 {
    let (t, q) = exp_reduce(x);
    exp_finish(t, q)
}

/// The table-free first half of [`exp_tanh_range`] (vectorises): t = 128 x / ln2 + 1.5 *
/// 2^52, whose low bits hold n, the integer nearest to 128 x / ln2, and q = e^r - 1 for
/// r = x - n ln2 / 128.
#[inline(always)]
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
#[inline(always)]
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Distance in units in the last place between two positive finite doubles.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn tanh_agrees_with_libm() {
        let mut worst: f64 = 0.0;
        for i in -200_000..=200_000 {
            let z = f64::from(i) * 1e-4;
            worst = worst.max((tanh(z) - z.tanh()).abs());
        }
        assert!(worst < 1e-15, "{worst}");
        assert_eq!(tanh(1e300), 1.0);
        assert_eq!(tanh(-1e300), -1.0);
        assert_eq!(tanh(f64::INFINITY), 1.0);
        assert_eq!(tanh(f64::NEG_INFINITY), -1.0);
        assert_eq!(tanh(0.0).to_bits(), 0.0_f64.to_bits());
        assert_eq!(tanh(-0.0).to_bits(), (-0.0_f64).to_bits());
        assert!(tanh(f64::NAN).is_nan());
    }

    #[test]
    fn exp_is_within_one_ulp_of_libm() {
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

    proptest! {
        /// Anywhere in its range, not only on the sweeps' points.
        #[test]
        fn exp_is_within_one_ulp_of_libm_anywhere(x in -40.0_f64..=0.0) {
            prop_assert!(ulps(exp_tanh_range(x), x.exp()) <= 1, "x = {}", x);
        }

        /// Including the arguments clamped at exp(-40).
        #[test]
        fn tanh_is_within_1e_15_of_libm_anywhere(z in -50.0_f64..50.0) {
            prop_assert!((tanh(z) - z.tanh()).abs() < 1e-15, "z = {}", z);
        }

        /// The blocked loop over a layer gives each value's [`tanh`] exactly, whatever the
        /// length (whole blocks of 64 and a rest).
        #[test]
        fn tanh_of_a_layer_equals_tanh_of_each_value(
            z in proptest::collection::vec(-30.0_f64..30.0, 0..300),
        ) {
            let mut v = z.clone();
            tanh_all(&mut v);
            for (a, z) in v.iter().zip(&z) {
                prop_assert_eq!(a.to_bits(), tanh(*z).to_bits());
            }
        }
    }
}
