"""``TextVectorization``: strings to token ids or bag-of-words vectors, as Keras 3.

Pipeline: ``standardize`` (``'lower_and_strip_punctuation'`` = ASCII lowercase + remove
``!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~'``, ``'lower'``, ``'strip_punctuation'``, a callable on a string
Tensor, or None), ``split`` (``'whitespace'``, ``'character'``, a callable, or None), optional
``ngrams``, then a ``StringLookup`` (mask token ``''`` at index 0 and ``[UNK]`` at 1 in ``int``
mode). ``int`` output is padded with 0 to the longest row, or padded/truncated to
``output_sequence_length``.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Union

import numpy as np

from ....ragged import RaggedTensor
from ....tensor import Tensor
from ..base import Layer
from .categorical import _batches, _np, _wrap
from .index_lookup import StringLookup

_PUNCT = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'


class TextVectorization(Layer):
    """``tf.keras.layers.TextVectorization``: ``adapt`` on text, then call on strings (a batch of
    shape ``(n,)`` or ``(n, 1)``, or one string) inside a model or in ``Dataset.map``."""

    def __init__(self, max_tokens: Optional[int] = None,
                 standardize: Union[str, Callable, None] = "lower_and_strip_punctuation",
                 split: Union[str, Callable, None] = "whitespace", ngrams: Any = None, output_mode: str = "int",
                 output_sequence_length: Optional[int] = None, pad_to_max_tokens: bool = False,
                 vocabulary: Any = None, idf_weights: Any = None, sparse: bool = False, ragged: bool = False,
                 encoding: str = "utf-8", name: Optional[str] = None, **kwargs: Any):
        kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        if standardize not in (None, "lower_and_strip_punctuation", "lower", "strip_punctuation") and not callable(standardize):
            raise ValueError(f"Invalid value for argument `standardize`. Received: standardize={standardize}")
        if split not in (None, "whitespace", "character") and not callable(split):
            raise ValueError(f"Invalid value for argument `split`. Received: split={split}")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("int", "one_hot", "multi_hot", "count", "tf_idf"):
            raise ValueError(f"Invalid value for argument `output_mode`. Received: output_mode={output_mode}")
        if isinstance(ngrams, int) and ngrams < 1 or (ngrams is not None and not isinstance(ngrams, (int, tuple, list))):
            raise ValueError(f"`ngrams` must be None, an integer, or a tuple of integers. Received: ngrams={ngrams}")
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError(f"`output_sequence_length` must not be set if `output_mode` is not 'int'. "
                             f"Received output_sequence_length={output_sequence_length}.")
        if ragged and output_mode != "int":
            raise ValueError(f"`ragged` must not be true if `output_mode` is `'int'`. Received: ragged={ragged}"
                             " and output_mode={output_mode}")
        if ragged and output_sequence_length is not None:
            raise ValueError("`output_sequence_length` must not be set if ragged is True.")
        if sparse:
            raise NotImplementedError("TextVectorization: sparse=True is not supported in gradtape.")
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else (
            tuple(ngrams) if ngrams is not None else None)
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._ragged = bool(ragged)
        self._encoding = encoding
        self._pad_to_max_tokens = bool(pad_to_max_tokens)
        self._autocast = False
        self._lookup_layer = StringLookup(max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
                                          pad_to_max_tokens=pad_to_max_tokens, mask_token="",
                                          output_mode=output_mode, encoding=encoding,
                                          name=f"{self.name}_lookup" if self.name else None)

    # -- vocabulary ----------------------------------------------------------------------------------
    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights)
        self._lookup_layer._given_vocabulary = True

    def reset_state(self) -> None:
        self._lookup_layer.reset_state()

    def update_state(self, data: Any) -> None:
        self._lookup_layer.update_state(self._preprocess(data))

    def finalize_state(self) -> None:
        self._lookup_layer.finalize_state()

    def adapt(self, data: Any, batch_size: Optional[int] = None, steps: Optional[int] = None) -> None:
        """Learn the vocabulary (and document frequencies for ``tf_idf``) from ``data``: a list or array
        of strings, a string Tensor, a Dataset of (batches of) strings, or an iterable of batches."""
        self.reset_state()
        from ....data import Dataset
        if isinstance(data, Dataset) or (hasattr(data, "__iter__") and not isinstance(
                data, (list, tuple, np.ndarray, Tensor, str, bytes))):
            for batch in _batches(data, steps):
                self.update_state(batch)
        else:
            a = _np(data)
            if a.ndim == 1:
                a = a[:, None]
            self.update_state(a)
        self.finalize_state()

    # -- pipeline ------------------------------------------------------------------------------------------
    def _preprocess(self, inputs: Any) -> Any:
        from .... import strings as S
        if isinstance(inputs, RaggedTensor):
            x: Any = inputs
        else:
            a = _np(inputs)
            if a.dtype.kind in "US":
                a = a.astype(object)
            if a.dtype != object:
                raise TypeError(f"TextVectorization expects string inputs; got dtype {a.dtype}.")
            x = _wrap(a)
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            x = S.lower(x)
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            x = S.regex_replace(x, _PUNCT, "")
        if callable(self._standardize):
            x = self._standardize(x)
        if self._split is not None:
            if isinstance(x, Tensor) and x.ndim > 1:
                if x.shape[-1] != 1:
                    raise ValueError("When using `TextVectorization` to tokenize strings, the input rank must be 1 "
                                     f"or the last shape dimension must be 1. Received: inputs.shape={tuple(x.shape)} "
                                     f"with rank={x.ndim}")
                x = _wrap(np.asarray(x._value).reshape(x.shape[:-1]))
            if self._split == "whitespace":
                x = S.split(x)
            elif self._split == "character":
                x = S.unicode_split(x, "UTF-8")
            else:
                x = self._split(x)
        if self._ngrams is not None:
            x = S.ngrams(x, ngram_width=self._ngrams, separator=" ")
        return x

    def call(self, inputs: Any) -> Any:
        x = self._preprocess(inputs)
        out = self._lookup_layer.call(x)
        if self._output_mode != "int":
            return out
        L = self._output_sequence_length
        if isinstance(out, RaggedTensor):
            if self._ragged:
                return out
            shape = [None] * out.ndim
            shape[-1] = L
            return out.to_tensor(default_value=0, shape=shape)
        if L is not None:
            a = np.asarray(out._value)[..., :L]
            if a.shape[-1] < L:
                pad = [(0, 0)] * (a.ndim - 1) + [(0, L - a.shape[-1])]
                a = np.pad(a, pad)
            return _wrap(a)
        return out

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self._output_mode == "int":
            return (tuple(input_shape)[0], self._output_sequence_length)
        depth = self._max_tokens if self._pad_to_max_tokens else self.vocabulary_size()
        return (tuple(input_shape)[0], depth)

    def get_config(self) -> dict:
        c = super().get_config()
        c.update(max_tokens=self._max_tokens,
                 standardize=self._standardize if not callable(self._standardize) else None,
                 split=self._split if not callable(self._split) else None, ngrams=self._ngrams_arg,
                 output_mode=self._output_mode, output_sequence_length=self._output_sequence_length,
                 pad_to_max_tokens=self._pad_to_max_tokens, sparse=False, ragged=self._ragged,
                 vocabulary=self.get_vocabulary() if self._lookup_layer._vocab is not None else None,
                 idf_weights=None if self._lookup_layer._idf is None else
                 [float(x) for x in self._lookup_layer._idf[self._lookup_layer._token_start():]],
                 encoding=self._encoding)
        return c
