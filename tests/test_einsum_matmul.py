"""Two-operand einsums run as one batched matmul (gradtape/ops/linalg.py ``_einsum_pair``): the
values equal NumPy's einsum for batch, contracted, one-sided and broadcast letters, contiguous or
strided operands, real and complex dtypes; equations outside that form fall back to NumPy."""
import numpy as np
import pytest

from gradtape.ops.linalg import _einsum_forward, _einsum_pair

EQUATIONS = ["abc,cde->abde", "aecd,abcd->acbe", "acbe,aecd->abcd", "abcd,cde->abe", "ij,jk->ik",
             "ij,jk->ki", "ij,ij->", "i,i->", "ij,j->i", "i,j->ij", "bij,bjk->bik", "bij,bjk->bki",
             "ij,->ij", "abc,abc->ab", "abc,ab->c", "abcd,bd->ac", "ijk,kji->", "ab,cd->abcd", "ab,cd->",
             "abc,dbe->aecd", "xyz,zyw->wx"]


@pytest.mark.parametrize("eq", EQUATIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_pair_matches_numpy_einsum(eq, dtype):
    rng = np.random.default_rng(abs(hash(eq)) % 2**32)
    ins, out = eq.split("->")
    sa, sb = ins.split(",")
    sizes = {c: int(rng.integers(1, 5)) for c in set(sa + sb)}
    a = rng.standard_normal([sizes[c] for c in sa]).astype(dtype)
    b = rng.standard_normal([sizes[c] for c in sb]).astype(dtype)
    for x, y in ((a, b), (np.asfortranarray(a), b[..., ::-1] if b.ndim else b)):
        got = _einsum_forward(x, y, ins=(sa, sb), out=out)
        want = np.einsum(eq, x, y)
        assert np.shape(got) == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_pair_broadcasts_batch_letters_and_declines_other_forms():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((1, 3, 4, 5)), rng.standard_normal((2, 1, 5, 6))
    np.testing.assert_allclose(_einsum_forward(a, b, ins=("abij", "abjk"), out="abik"),
                               np.einsum("abij,abjk->abik", a, b))
    x = rng.standard_normal((3, 3))
    assert _einsum_pair(x, x, "ii", "ij", "j") is None            # a repeated letter: NumPy's einsum
    np.testing.assert_allclose(_einsum_forward(x, x, ins=("ii", "ij"), out="j"), np.einsum("ii,ij->j", x, x))


def test_pair_reads_transposed_views_without_copies():
    """The attention score product of strided head views is computed from the views themselves."""
    rng = np.random.default_rng(1)
    q = rng.standard_normal((2, 5, 3, 4)).astype(np.float32)     # (batch, time, heads, dim)
    k = rng.standard_normal((2, 6, 3, 4)).astype(np.float32)
    from gradtape.ops import linalg
    seen = []
    orig = linalg._as_matrices

    def spy(x, *args):
        r = orig(x, *args)
        seen.append(np.shares_memory(r, x))
        return r
    linalg._as_matrices = spy
    try:
        got = _einsum_forward(k, q, ins=("aecd", "abcd"), out="acbe")
    finally:
        linalg._as_matrices = orig
    assert seen == [True, True]
    np.testing.assert_allclose(got, np.einsum("aecd,abcd->acbe", k, q), rtol=1e-5)
