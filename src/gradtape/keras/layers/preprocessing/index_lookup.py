"""``StringLookup`` and ``IntegerLookup``: vocabulary lookup layers with Keras 3's semantics.

Index layout (``get_vocabulary()``): the mask token (index 0, ``int`` output only, when
``mask_token`` is set), then ``num_oov_indices`` OOV slots, then the vocabulary. ``adapt`` orders
the vocabulary by count, ties broken by the token, both descending (Keras's ``lexsort(...)[::-1]``),
and keeps the first ``max_tokens`` entries including the special ones. With several OOV slots,
an unknown string goes to ``Fingerprint64 % num_oov_indices`` (TF's FarmHash, as Keras) and an
unknown integer to ``value % num_oov_indices``.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np

from ....errors import InvalidArgumentError
from ....ragged import RaggedTensor
from ..base import Layer
from .categorical import _batches, _np, _wrap, encode

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class IndexLookup(Layer):
    """The shared implementation of ``StringLookup`` and ``IntegerLookup`` (not a Keras public name)."""

    _string = True

    def __init__(self, max_tokens: Optional[int] = None, num_oov_indices: int = 1, mask_token: Any = None,
                 oov_token: Any = "[UNK]", vocabulary: Any = None, idf_weights: Any = None, invert: bool = False,
                 output_mode: str = "int", pad_to_max_tokens: bool = False, sparse: bool = False,
                 salt: Any = None, encoding: str = "utf-8", **kwargs: Any):
        kwargs.pop("vocabulary_dtype", None)
        kwargs.pop("oov_method", None)
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in _MODES:
            raise ValueError(f"Invalid value for argument `output_mode`. Expected one of {list(_MODES)}. "
                             f"Received: output_mode={output_mode}")
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError("If pad_to_max_tokens is True, must set `max_tokens`.")
        if num_oov_indices < 0:
            raise ValueError(f"`num_oov_indices` must be greater than or equal to 0. Received: {num_oov_indices}")
        if invert and output_mode != "int":
            raise ValueError(f"`output_mode` must be `'int'` when `invert` is true. Received: output_mode={output_mode}")
        if sparse:
            raise NotImplementedError(f"{type(self).__name__}: sparse=True is not supported in gradtape.")
        if output_mode == "tf_idf" and idf_weights is None and vocabulary is not None:
            raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf' and a vocabulary is given.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"`idf_weights` should only be set if output_mode is `'tf_idf'`. "
                             f"Received: output_mode={output_mode} and idf_weights={idf_weights}")
        self.encoding = encoding
        self.max_tokens = max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token = self._key(mask_token) if mask_token is not None else None
        self.oov_token = self._key(oov_token) if oov_token is not None else None
        self.invert = bool(invert)
        self.output_mode = output_mode
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.sparse = False
        self.salt = salt
        self._autocast = False
        self._vocab: Optional[list] = None     # learned or given tokens, without the special ones
        self._idf: Optional[np.ndarray] = None
        self._given_vocabulary = vocabulary is not None
        self._reset_counts()
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- keys ----------------------------------------------------------------------------------------
    def _key(self, v: Any) -> Any:
        v = getattr(v, "_value", v)
        if isinstance(v, np.ndarray):
            v = v[()]
        if self._string:
            return v.encode(self.encoding) if isinstance(v, str) else bytes(v)
        return int(v)

    def _show(self, k: Any) -> Any:
        return k.decode(self.encoding) if isinstance(k, bytes) else int(k)

    def _keys_of(self, x: Any) -> np.ndarray:
        a = _np(x) if not isinstance(x, np.ndarray) else x
        if self._string:
            if a.dtype.kind in "US":
                a = a.astype(object)
            if a.dtype != object:
                raise TypeError(f"{type(self).__name__} expects string inputs; got dtype {a.dtype}.")
            if a.size and any(isinstance(e, str) for e in a.flat):
                a = np.vectorize(lambda e: e.encode(self.encoding) if isinstance(e, str) else e, otypes=[object])(a)
            return a
        if a.dtype.kind not in "iu":
            raise TypeError(f"{type(self).__name__} expects integer inputs; got dtype {a.dtype}.")
        return a.astype(np.int64)

    # -- vocabulary ------------------------------------------------------------------------------------
    def _oov_start(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self) -> int:
        return self._oov_start() + self.num_oov_indices

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Use ``vocabulary`` (a list, array or path of a one-token-per-line file); special tokens at
        its start are accepted when they sit where ``get_vocabulary`` puts them."""
        if isinstance(vocabulary, str) and _is_file(vocabulary):
            with open(vocabulary, encoding=self.encoding) as f:
                vocabulary = [line.rstrip("\n") for line in f]
        v = _np(vocabulary) if not isinstance(vocabulary, (list, tuple)) else vocabulary
        toks = [self._key(t) for t in (v.reshape(-1).tolist() if isinstance(v, np.ndarray) else v)]
        specials = self._specials()
        if toks[:len(specials)] == specials and specials:
            toks = toks[len(specials):]
        for t in toks:
            if self.mask_token is not None and t == self.mask_token:
                raise ValueError(f"Found reserved mask token at unexpected location in `vocabulary`. "
                                 f"Note that passed `vocabulary` does not need to include the OOV and mask "
                                 f"tokens. Either remove all mask and OOV tokens, or include them only at the "
                                 f"start of the vocabulary in precisely this order: {specials}. Received: "
                                 f"mask_token={self._show(self.mask_token)} at vocabulary index {toks.index(t)}")
            if self.oov_token is not None and self.num_oov_indices and t == self.oov_token and not self.invert:
                raise ValueError(f"Found reserved OOV token at unexpected location in `vocabulary`: "
                                 f"{self._show(t)!r}; include special tokens only at the start, in this order: "
                                 f"{[self._show(s) for s in specials]}.")
        if len(set(toks)) != len(toks):
            dup = sorted({self._show(t) for t in toks if toks.count(t) > 1})
            raise ValueError(f"The passed vocabulary has at least one repeated term. Please uniquify your "
                             f"dataset. The repeated terms are: {dup}")
        if self.max_tokens is not None and len(toks) + self._token_start() > self.max_tokens:
            raise ValueError(f"Attempted to set a vocabulary larger than the maximum vocab size. Received "
                             f"vocabulary size is {len(toks) + self._token_start()}; `max_tokens` is {self.max_tokens}.")
        self._vocab = toks
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
            w = np.asarray(_np(idf_weights), dtype=np.float32).reshape(-1)
            if len(w) == len(toks):
                w = np.concatenate([np.full(self._token_start(), w.mean() if len(w) else 0.0, np.float32), w])
            if len(w) != len(toks) + self._token_start():
                raise ValueError(f"`idf_weights` must have the length of the vocabulary ({len(toks)}); "
                                 f"got {len(w)}.")
            self._idf = w
        self._build_table()

    def _specials(self) -> list:
        out = []
        if self.mask_token is not None and self.output_mode == "int":
            out.append(self.mask_token)
        out += [self.oov_token] * self.num_oov_indices
        return out

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The tokens, index by index (Python strs for StringLookup, ints for IntegerLookup)."""
        vocab = list(self._vocab or [])
        toks = (self._specials() + vocab) if include_special_tokens else vocab
        return [self._show(t) for t in toks]

    def vocabulary_size(self) -> int:
        return len(self._specials()) + len(self._vocab or [])

    def _build_table(self) -> None:
        start = self._token_start()
        self._table: Dict[Any, int] = {t: i + start for i, t in enumerate(self._vocab or [])}

    # -- adapt -------------------------------------------------------------------------------------------
    def _reset_counts(self) -> None:
        self._counts: Dict[Any, int] = {}
        self._doc_counts: Dict[Any, int] = {}
        self._num_docs = 0

    def reset_state(self) -> None:
        self._reset_counts()

    def update_state(self, data: Any) -> None:
        if self._given_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static vocabulary via "
                             "`vocabulary` argument or `set_vocabulary()` method.")
        if isinstance(data, RaggedTensor):
            docs = [self._keys_of(r.flat_values if isinstance(r, RaggedTensor) else r).reshape(-1) for r in data]
        else:
            a = self._keys_of(data)
            if a.ndim == 0:
                a = a[None]
            if a.ndim == 1:
                a = a[None]
            docs = [r.reshape(-1) for r in a]
        for d in docs:
            for t in d.tolist():
                self._counts[t] = self._counts.get(t, 0) + 1
            if self.output_mode == "tf_idf":
                for t in set(d.tolist()):
                    self._doc_counts[t] = self._doc_counts.get(t, 0) + 1
        if self.output_mode == "tf_idf":
            self._num_docs += len(docs)

    def finalize_state(self) -> None:
        counts = dict(self._counts)
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(special, None)
        # Keras: np.lexsort((tokens, counts))[::-1] -- count descending, then token descending
        toks = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens:
            toks = toks[:max(self.max_tokens - self._token_start(), 0)]
        self._vocab = toks
        if self.output_mode == "tf_idf":
            dc = np.asarray([self._doc_counts.get(t, 0) for t in toks], dtype=np.float64)
            idf = np.log(1 + self._num_docs / (1 + dc)).astype(np.float32)
            mean = np.float32(idf.mean()) if len(idf) else np.float32(np.nan)
            w = np.concatenate([np.full(self._token_start(), mean, np.float32), idf])
            if self.pad_to_max_tokens and self.max_tokens is not None:
                w = np.concatenate([w, np.zeros(self.max_tokens - len(w), np.float32)])
            self._idf = w
        self._build_table()
        self._reset_counts()

    def adapt(self, data: Any, batch_size: Optional[int] = None, steps: Optional[int] = None) -> None:
        """Learn the vocabulary from ``data`` (array, list, Tensor, RaggedTensor or Dataset of batches)."""
        self.reset_state()
        for batch in _batches(data, steps):
            self.update_state(batch if isinstance(batch, RaggedTensor) else _np(batch))
        self.finalize_state()

    # -- call ------------------------------------------------------------------------------------------------
    def _lookup(self, keys: np.ndarray) -> np.ndarray:
        table = self._table
        flat = keys.reshape(-1).tolist()
        default = -1
        ids = np.fromiter((table.get(k, default) for k in flat), dtype=np.int64, count=len(flat)).reshape(keys.shape)
        if self.mask_token is not None:
            ids = np.where(keys == self.mask_token, 0, ids) if not self._string else \
                np.where(np.asarray([k == self.mask_token for k in flat]).reshape(keys.shape), 0, ids)
        missing = ids == -1
        if missing.any():
            if self.num_oov_indices == 0:
                bad = [self._show(k) for k, m in zip(flat, missing.reshape(-1)) if m][:5]
                raise InvalidArgumentError(f"When `num_oov_indices=0` all inputs should be in vocabulary, "
                                           f"found OOV values {bad}, consider setting `num_oov_indices=1`.")
            start = self._oov_start()
            if self.num_oov_indices == 1:
                ids[missing] = start
            else:
                ids[missing] = [start + self._oov_bucket(k) for k, m in zip(flat, missing.reshape(-1)) if m]
        return ids

    def _oov_bucket(self, k: Any) -> int:
        n = self.num_oov_indices
        if not self._string and self.salt is None:
            return int(k) % n
        s = k if self._string else str(int(k)).encode()
        if self.salt is not None:
            from ....strings._farmhash import siphash24
            salt = self.salt if isinstance(self.salt, (list, tuple)) else [self.salt, self.salt]
            return siphash24(int(salt[0]), int(salt[1]), s) % n
        from ....strings._farmhash import fingerprint64
        return fingerprint64(s) % n

    def _invert(self, ids: np.ndarray) -> np.ndarray:
        vocab = self._specials() + list(self._vocab or [])
        flat = ids.reshape(-1).tolist()
        oov = self.oov_token if self.oov_token is not None else (b"" if self._string else -1)
        vals = [vocab[i] if 0 <= i < len(vocab) else oov for i in flat]
        if self._string:
            out = np.empty(len(vals), dtype=object)
            out[:] = vals
            return out.reshape(ids.shape)
        return np.asarray(vals, dtype=np.int64).reshape(ids.shape)

    def _ensure_vocab(self) -> None:
        if self._vocab is None:
            if self.output_mode == "int" or self.pad_to_max_tokens:
                self._vocab = []
                self._build_table()
            else:
                raise RuntimeError(f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                                   "you must set the layer's vocabulary before calling it. Either pass a "
                                   "`vocabulary` argument to the layer, or call `adapt` with some sample data.")

    def lookup_ids(self, inputs: Any) -> Any:
        """Ids (or, inverted, tokens) for ``inputs``: NumPy, or a RaggedTensor for ragged inputs."""
        self._ensure_vocab()
        if isinstance(inputs, RaggedTensor):
            return inputs.with_flat_values(self.lookup_ids(inputs.flat_values))
        if self.invert:
            a = _np(inputs)
            if a.dtype.kind not in "iu":
                raise TypeError(f"{type(self).__name__}(invert=True) expects integer indices; got {a.dtype}.")
            return self._invert(a.astype(np.int64))
        return self._lookup(self._keys_of(inputs))

    def call(self, inputs: Any) -> Any:
        ids = self.lookup_ids(inputs)
        if self.output_mode == "int":
            return _wrap(ids)
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        out = encode(ids, mode, depth, "float32")
        if self.output_mode == "tf_idf":
            w = self._idf if self._idf is not None else np.zeros(depth, np.float32)
            out = (out.astype(np.float32) * w[:depth]).astype(np.float32)
            return _wrap(out.astype(self.dtype if self.dtype in ("float32", "float64", "float16") else "float32"))
        return _wrap(out.astype(np.int64))      # one_hot, multi_hot and count give int64 (Keras 3)

    def get_config(self) -> dict:
        c = super().get_config()
        c.update(max_tokens=self.max_tokens, num_oov_indices=self.num_oov_indices,
                 mask_token=None if self.mask_token is None else self._show(self.mask_token),
                 oov_token=None if self.oov_token is None else self._show(self.oov_token),
                 invert=self.invert, output_mode=self.output_mode, pad_to_max_tokens=self.pad_to_max_tokens,
                 sparse=self.sparse, vocabulary=None if self._vocab is None else self.get_vocabulary(False),
                 idf_weights=None if self._idf is None else [float(x) for x in self._idf[self._token_start():]],
                 salt=self.salt)
        if not self._string:
            c.pop("encoding", None)
        else:
            c["encoding"] = self.encoding
        return c


def _is_file(path: str) -> bool:
    import os
    return os.path.isfile(path)


class StringLookup(IndexLookup):
    """Map strings to indices (or back, with ``invert``), ``tf.keras.layers.StringLookup``.
    ``output_mode``: ``int`` (int64 ids), ``one_hot``, ``multi_hot``, ``count``, ``tf_idf``."""

    _string = True

    def __init__(self, max_tokens: Optional[int] = None, num_oov_indices: int = 1, mask_token: Any = None,
                 oov_token: str = "[UNK]", vocabulary: Any = None, idf_weights: Any = None, invert: bool = False,
                 output_mode: str = "int", pad_to_max_tokens: bool = False, sparse: bool = False,
                 encoding: str = "utf-8", **kwargs: Any):
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse,
                         encoding=encoding, **kwargs)


class IntegerLookup(IndexLookup):
    """Map integers to indices (or back, with ``invert``), ``tf.keras.layers.IntegerLookup``; the
    OOV token is ``-1`` and the mask token (when set) is usually 0."""

    _string = False

    def __init__(self, max_tokens: Optional[int] = None, num_oov_indices: int = 1, mask_token: Any = None,
                 oov_token: int = -1, vocabulary: Any = None, vocabulary_dtype: str = "int64", idf_weights: Any = None,
                 invert: bool = False, output_mode: str = "int", sparse: bool = False, pad_to_max_tokens: bool = False,
                 **kwargs: Any):
        if vocabulary_dtype not in ("int64", "int32"):
            raise ValueError(f"IntegerLookup: vocabulary_dtype must be 'int64' or 'int32'; got {vocabulary_dtype!r}.")
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If `max_tokens` is set for `IntegerLookup`, it must be greater than 1. "
                             f"Received: max_tokens={max_tokens}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, **kwargs)
