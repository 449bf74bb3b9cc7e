"""QKeras model -> exact precisions -> hls4ml configuration and project.

The only module that builds hls4ml's configuration dicts. Every precision is set here, from the
QKeras quantizers and the actual quantized weights, so the C-simulation can be exact:
- the input type is the model's input quantizer (or a declared type), and the flow quantizes the
  inputs itself, so HLS and QKeras see the same numbers;
- each Dense accumulator/result is the narrowest type that holds x @ W + b exactly;
- each quantized activation result is the quantizer's type with RND_CONV/SAT, as QKeras rounds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from flow.config import HlsConfig, Quantizer
from flow.design import (HARD_ACTIVATIONS, HLS4ML_DEFAULT_PRECISION, LOOKUP_TABLE_ACTIVATIONS, TABLE_ACTIVATIONS, ActivationDesign, ConvDesign, DenseDesign, Design,
                         FixedType, MergeDesign, PoolDesign, ResizeDesign, accumulator_type, branch_inputs, depthwise_matrix,
                         closest_resource_reuse_factor, exact_type, hls4ml_resource_reuse_factors, log2_ceil, merge_result_type,
                         normalize_dense, quantize_to, softmax_table_sizes)
from flow.errors import ModelError
from flow.model import FOLDED_LAYERS, for_hls4ml
from flow.quant import fixed_type, layer_activation, spec_from_qkeras

log = logging.getLogger(__name__)

SUPPORTED_LAYERS = (
    "InputLayer",
    "QActivation (quantized_bits, quantized_relu)",
    "QDense (kernel and bias quantized with quantized_bits, alpha=1 or 'auto_po2', or a quantized_po2, ternary or binary kernel; activation "
    "linear, relu, quantized_relu or quantized_bits)",
    "QConv1D, QConv2D (as QDense; channels_last, padding valid or same, no dilation)",
    "QDepthwiseConv2D, QSeparableConv1D, QSeparableConv2D (depthwise_quantizer/pointwise_quantizer quantized_bits; "
    "depth_multiplier 1, strategy Latency)",
    "QConv2DBatchnorm, QDepthwiseConv2DBatchnorm (the batch normalization folded as QKeras folds it at inference)",
    "Flatten, Reshape, ZeroPadding1D/2D, UpSampling1D/2D (nearest); MaxPooling1D/2D, AveragePooling1D/2D (padding valid; flow verify: an average over a power-of-two "
    "window); GlobalMaxPooling1D/2D, GlobalAveragePooling1D/2D (the same)",
    "Activation (linear, relu; softmax, sigmoid or tanh as the last layer; flow estimate: anywhere)",
    "QActivation or a QDense/QConv activation quantized_tanh(bits[, symmetric]), quantized_sigmoid(bits) (hls4ml's "
    "hard_tanh/hard_sigmoid; use_real_tanh/use_real_sigmoid and a symmetric quantized_sigmoid: flow estimate only)",
    "ReLU (plain)",
    "Add, Subtract, Multiply, Average, Maximum, Minimum (two inputs of one shape), Concatenate (two inputs): "
    "skip connections and branches, each merge typed to hold its exact result",
    "Dropout (ignored at inference)",
    "LeakyReLU, ELU, ThresholdedReLU, PReLU (no shared_axes); Activation elu, selu, softplus, softsign, hard_sigmoid "
    "(flow estimate only: priced as hls4ml's leaky_relu, elu, thresholded_relu, prelu, lookup tables and hard_sigmoid "
    "with Keras' slope 0.2)",
    "BatchNormalization (flow estimate only: priced as hls4ml converts it)",
)
#: output activations hls4ml computes with lookup tables (approximate by design)
APPROXIMATE_OUTPUTS = ("softmax", "sigmoid", "tanh")
DEFAULT_INPUT_TYPE = FixedType(16, 6, True, "RND_CONV", "SAT")  # hls4ml's default width, rounded like QKeras
FLOAT32_EXACT_BITS = 24  # a float32 mantissa: wider sums are not exact in the QKeras reference
FLOAT64_EXACT_BITS = 53  # a double: hls4ml traces in double, the exact reference is float64


@dataclass
class NodePrecision:
    """Precisions of one hls4ml node, and the Keras layer whose output it corresponds to."""

    name: str
    keras_layer: str | None  # Keras layer with the same output (None: an internal node)
    result: FixedType | None  # None: approximate (softmax), not compared bit for bit
    weight: FixedType | None = None
    bias: FixedType | None = None
    accum: FixedType | None = None
    function: str = ""  # dense | conv | pool | merge | relu | linear | softmax | quantizer | reshape | pad
    #: a depthwise kernel ('depthwise') or the 1x1 half of a separable conv ('pointwise'), and the
    #: Keras layer it computes (hls4ml splits a separable conv into '<name>_depthwise' and
    #: '<name>_pointwise', configured through the separable layer's own precision keys)
    part: str = ""
    source: str | None = None
    #: the plan nodes it reads, when not the node before it (a branch, a merge's two inputs)
    inputs: tuple[str, ...] = ()
    op: str = ""  # a merge's operation (add, concatenate, ...)
    reuse: int | None = None  # the reuse factor the project is written with (dense, conv); None: the configured one
    #: a QDense/QConv's alpha='auto_po2' scale (one power of two per output), which hls4ml factors
    #: out of its weights into the '<name>_alpha' node after it; that node's scale and bias
    scale: np.ndarray | None = None
    alpha_bias: np.ndarray | None = None


@dataclass
class Plan:
    """What the flow decided for one model: input handling, per-node precisions, the design."""

    input_type: FixedType
    input_quantizer: Quantizer | None  # the model's own input quantizer, if any
    input_source: str  # "model input quantizer 'input_q'" | "declared" | "default"
    nodes: list[NodePrecision]
    design: Design
    warnings: list[str] = field(default_factory=list)

    def node(self, name: str) -> NodePrecision | None:
        return next((n for n in self.nodes if n.name == name), None)


def _act_function(layer) -> tuple[str, Any]:
    """(kind, quantizer-or-None) of a QDense's fused activation or an Activation/QActivation layer."""
    act = layer_activation(layer)
    if act is None:
        return "linear", None
    name = getattr(act, "__name__", None) or type(act).__name__
    if name in {"linear", "relu", "softmax", "sigmoid", "tanh", *TABLE_ACTIVATIONS}:
        return name, None
    if name in {"quantized_bits", "quantized_relu"}:
        return "quantizer", act
    return name, act


def plan_model(model, *, hls_cfg: HlsConfig, input_type: FixedType | None = None, name: str = "model",
               float_precision: FixedType | None = None) -> Plan:
    """Walk the Keras model and decide every precision. Raises ModelError on anything unsupported.

    `float_precision` (estimates only, never a bit-exact proof): a plain Keras `Dense`, `Conv1D`,
    `Conv2D`, `DepthwiseConv2D` or `SeparableConv1D/2D` layer is planned as hls4ml converts a float
    model with one model-wide precision -- weights rounded to it, accumulator and result in it --
    and then priced exactly as its QKeras twin.
    """
    from flow.model import quantized_weights

    layers = list(model.layers)
    if not layers or type(layers[0]).__name__ != "InputLayer":
        raise ModelError("the model has no Input layer", where=name, fix="build it with the functional API or a Sequential with input_shape")
    for layer in layers:
        for var in layer.weights:
            if not np.all(np.isfinite(var.numpy())):
                raise ModelError(f"{var.name} holds NaN or infinite values", where=f"{name}: layer {layer.name!r}",
                                 fix="retrain or reload the model; a diverged training leaves such weights, and no fixed-point type holds them")
    _check_helper_names(layers, name)
    shape = model.input_shape
    if len(model.outputs) != 1:
        raise ModelError(f"the model has {len(model.outputs)} outputs; only single-output models are supported", where=name,
                         fix="verify each output as its own model (tf.keras.Model(inputs, one_output))")
    # an image or sequence input: what its convolutions, poolings or Flatten turn into a flat layer
    shaped_ok = any(type(layer).__name__ in (*CONV_KINDS, *DEPTHWISE_KINDS, *FLOAT_CONV_KINDS, *POOL_KINDS, *GLOBAL_POOL_KINDS, "Flatten",
                                                   "Reshape", "QDense") for layer in layers)
    if isinstance(shape, list) or len(shape) != 2 and not (shaped_ok and len(shape) in (3, 4)):
        known = {"InputLayer", "QActivation", "QDense", "Dense", "Activation", "ReLU", "Dropout", "Softmax", *BATCHNORM_KINDS,
                 *CONV_KINDS, *DEPTHWISE_KINDS, *FLOAT_CONV_KINDS, *POOL_KINDS, *GLOBAL_POOL_KINDS, "Flatten", "Reshape",
                 "ZeroPadding1D", "ZeroPadding2D", "UpSampling1D", "UpSampling2D", *MERGE_KINDS}
        odd = next((layer for layer in layers[1:] if type(layer).__name__ not in known), None)
        if odd is not None:
            raise ModelError(f"layer type {type(odd).__name__} is not supported (the model takes inputs of shape {shape})",
                             where=f"{name}: layer {odd.name!r}", fix="supported layers: " + "; ".join(SUPPORTED_LAYERS))
        raise ModelError(f"only single-input models with flat inputs, or (length, channels) / (height, width, channels) "
                         f"inputs that QConv1D/QConv2D, QDense, pooling or Flatten layers take, are supported; got input shape {shape}",
                         where=name, fix="give the model an Input of shape (n_features,), or a Flatten() before its first QDense")
    if layers[0].name == "input":
        raise ModelError("the input layer is named 'input', which hls4ml reserves", where=name, fix="rename the Input layer (e.g. name='features')")
    if any(d is None for d in shape[1:]):
        raise ModelError(f"the input shape {shape} has an unknown (None) dimension; hls4ml needs every size fixed",
                         where=name, fix="give the Input a fixed shape, e.g. tf.keras.Input((32, 2))")
    n_inputs = int(np.prod(shape[1:]))
    weights = quantized_weights(model, name=name)

    warnings: list[str] = []
    input_quantizer: Quantizer | None = None
    first = layers[1] if len(layers) > 1 else None
    # a quantized_tanh/quantized_sigmoid right after the Input is an activation of the input, not
    # its quantizer: the FPGA receives the input in the declared or default type and applies it
    first_q = (spec_from_qkeras(layer_activation(first), where=f"{name}: layer {first.name!r}")
               if first is not None and type(first).__name__ == "QActivation"
               and type(layer_activation(first)).__name__ not in HARD_QUANTIZERS else None)
    if input_type is not None:
        source = "declared"
        current = input_type
        if first_q is not None and not fixed_type(first_q).same_grid(input_type):
            warnings.append(f"the declared input type {input_type.hls()} overrides the model's input quantizer "
                            f"{first.name!r} ({fixed_type(first_q).hls()}): inputs are first rounded and saturated to the declared type")
    elif first_q is not None:
        input_quantizer = first_q
        current = fixed_type(input_quantizer)
        source = f"model input quantizer {first.name!r}"
    else:
        current = DEFAULT_INPUT_TYPE
        source = "default"
        warnings.append(
            f"the model has no input quantizer and no input type was declared: inputs are quantized to {current.hls()} "
            "(hls4ml's default width) by the flow; declare --input-type to choose another"
        )
    in_type = current

    nodes: list[NodePrecision] = [NodePrecision(layers[0].name, layers[0].name, in_type, function="input")]
    design_layers: list = []
    # a branching model: where each Keras layer's output ended up (type, plan node, design layer)
    inbound, output_name = _topology(model, where=name)
    _check_stream_fanout(model, inbound, output_name, io_type=hls_cfg.io_type, where=name, estimate_only=float_precision is not None,
                         warnings=warnings)
    raw_readers = ([lname for lname, srcs in inbound.items() if layers[0].name in srcs and lname != first.name]
                   if input_quantizer is not None else [])
    if raw_readers:
        # hls4ml has one input type, the flow makes it the first quantizer's; any other layer that
        # reads the raw input then sees it quantized, where QKeras quantizes the raw floats itself
        message = (f"the model input feeds {first.name!r} (its input quantizer, {fixed_type(input_quantizer).hls()}) and also "
                   f"{', '.join(repr(r) for r in raw_readers)} directly: the FPGA receives the input in one type, so those "
                   "layers would see it already quantized by the first, not the raw floats QKeras gives them")
        if float_precision is None:  # verify: the proof would be against the wrong model
            raise ModelError(message, where=name, fix="quantize the input once, right after the Input layer, and branch "
                             "after that quantizer (a second quantizer may follow it)")
        warnings.append(message + "; priced as hls4ml builds it")
    out_type: dict[str, FixedType] = {layers[0].name: in_type}
    out_node: dict[str, str] = {layers[0].name: layers[0].name}
    out_design: dict[str, str] = {layers[0].name: "input"}
    design_reads: dict[str, list[str]] = {}  # first design layer of each Keras layer -> what it reads

    def settle(layer, srcs: list[str], n_nodes: int, n_design: int) -> None:
        """After a layer: what its first plan node and design layer read (when not the one before
        them), and where its output now lives."""
        if len(nodes) > n_nodes:
            want = tuple(out_node[s] for s in srcs)
            if want != (nodes[n_nodes - 1].name,):
                nodes[n_nodes].inputs = want
        out_node[layer.name] = nodes[-1].name if len(nodes) > n_nodes else out_node[srcs[0]]
        if len(design_layers) > n_design:
            design_reads[design_layers[n_design].name] = [out_design[s] for s in srcs]
        out_design[layer.name] = design_layers[-1].name if len(design_layers) > n_design else out_design[srcs[0]]
        out_type[layer.name] = current

    pending: tuple | None = None
    hls_zeros: dict[str, int] = {}  # a float layer's kernels: the n_zeros hls4ml computes (see _float_weights)
    estimate_only = float_precision is not None  # flow estimate: no bit-exact proof to keep possible
    twins = FLOAT_TWINS if estimate_only else {}
    dense_names = [layer.name for layer in layers
                   if twins.get(type(layer).__name__, type(layer).__name__) in ("QDense", *CONV_KINDS, *DEPTHWISE_KINDS)]
    rf = lambda lname: hls_cfg.per_layer_reuse.get(lname, hls_cfg.reuse_factor)  # noqa: E731
    # a model with no QKeras layer at all is priced as config_from_keras_model(granularity='model')
    # converts it (a QKeras model as the flow's own per-layer config does)
    float_model = estimate_only and not any(type(layer).__name__.startswith("Q") for layer in layers)
    for i, layer in enumerate(layers[1:], start=1):
        if pending is not None:
            settle(*pending)
        kind = type(layer).__name__
        where = f"{name}: layer {layer.name!r} ({kind})"
        is_last = layer.name == output_name
        srcs = inbound.get(layer.name) or [layers[i - 1].name]
        if kind not in MERGE_KINDS and len(srcs) != 1:
            raise ModelError(f"layer type {kind} with {len(srcs)} inputs is not supported", where=where,
                             fix="supported layers: " + "; ".join(SUPPORTED_LAYERS))
        if any(s not in out_type for s in srcs):
            raise ModelError(f"the layer reads {srcs}, which the flow has not planned before it (a model with more than one "
                             "input, or layers out of order)", where=where, fix="give the model a single Input")
        current = out_type[srcs[0]]
        pending = (layer, srcs, len(nodes), len(design_layers))
        if kind == "Dropout":
            continue
        float_layer = kind in twins
        if float_layer:
            # a float model as hls4ml converts it with one model-wide precision: from here on the
            # layer is its QKeras twin with weights rounded to that precision
            rounded, zeros = _float_weights(layer, float_precision)
            weights.update(rounded)
            hls_zeros.update(zeros)
            warnings.append(f"float {kind} layer {layer.name!r} is priced at hls4ml's default precision "
                            f"{float_precision.hls()} (weights, accumulator, result), as "
                            "config_from_keras_model(granularity='model') converts it; quantize it with "
                            f"{twins[kind]} for a design flow verify can prove bit-exact")
            kind = twins[kind]
        fixed = float_precision if float_layer else None
        if kind in MERGE_KINDS:
            current = _merge_node(layer, kind, [out_type[s] for s in srcs], nodes, design_layers, where=where,
                                  fixed=float_precision if float_model else None)
            continue
        if kind == "QDense":
            if len(layer.input_shape) > 4:
                raise ModelError(f"QDense on a {len(layer.input_shape) - 1}-D input {layer.input_shape} is not supported",
                                 where=where, fix="put a Flatten() or Reshape() before it")
            W, b = weights[layer.name]
            W, b, alpha, alpha_bias = _factor_alpha(layer, W, b, fixed=fixed, exact=not estimate_only, where=where,
                                                    warnings=warnings)
            w_t, b_t, acc = _weight_layer_types(layer, W, b, current, where=where, warnings=warnings, fixed=fixed,
                                                po2_scale=_has_po2(layer), exact=not estimate_only)
        elif kind in CONV_KINDS:
            W, b = weights[layer.name]
            _check_conv(layer, where=where)
            W, b, alpha, alpha_bias = _factor_alpha(layer, W, b, fixed=fixed, exact=not estimate_only, where=where,
                                                    warnings=warnings)
            # every output is a sum over one receptive field: the kernel as a (k*k*C_in, C_out) matrix
            w_t, b_t, acc = _weight_layer_types(layer, W.reshape(-1, W.shape[-1]), b, current, where=where, warnings=warnings,
                                                fixed=fixed, po2_scale=_has_po2(layer), exact=not estimate_only)
        elif kind in FLOAT_CONV_KINDS:
            raise ModelError(f"an unquantized {kind} is not supported", where=where,
                             fix=f"use QKeras' Q{kind} with kernel_quantizer and bias_quantizer quantized_bits(...)")
        elif kind in ("Flatten", "Reshape"):
            # hls4ml makes it a Reshape that io_parallel reuses in place: the same values, in the same (channels_last) order
            nodes.append(NodePrecision(layer.name, layer.name, current, function="reshape"))
            continue
        elif kind in ("UpSampling1D", "UpSampling2D"):
            c = layer.get_config()
            if c.get("data_format", "channels_last") not in (None, "channels_last"):
                raise ModelError(f"data_format {c['data_format']!r} is not supported", where=where,
                                 fix="use channels_last (the Keras default)")
            if c.get("interpolation", "nearest") != "nearest":
                raise ModelError(f"interpolation {c['interpolation']!r} is not implemented by hls4ml (its resize is "
                                 "nearest-neighbour)", where=where, fix="use interpolation='nearest' (the Keras default)")
            # hls4ml's resize_nearest: each value repeated over its block, in the input's type (wiring
            # in io_parallel, a row buffer in io_stream)
            ih, iw, ch = _spatial(layer.input_shape)
            oh, ow, _ = _spatial(layer.output_shape)
            nodes.append(NodePrecision(layer.name, layer.name, current, function="resize"))
            design_layers.append(ResizeDesign(layer.name, current, ih, iw, ch, oh, ow))
            continue
        elif kind in ("ZeroPadding1D", "ZeroPadding2D"):
            if layer.get_config().get("data_format", "channels_last") not in (None, "channels_last"):
                raise ModelError(f"data_format {layer.get_config()['data_format']!r} is not supported", where=where,
                                 fix="use channels_last (the Keras default)")
            # hls4ml's zeropad1d/2d_cl: the values copied with zeros around them, in the input's type (wiring)
            nodes.append(NodePrecision(layer.name, layer.name, current, function="pad"))
            continue
        elif kind in POOL_KINDS or kind in GLOBAL_POOL_KINDS:
            _check_pool(layer, io_type=hls_cfg.io_type, where=where)
            pool = _pool_design(layer, current, exact=not estimate_only, where=where, warnings=warnings)
            if float_model:
                # config_from_keras_model(granularity='model'): the model's reuse factor and precision everywhere
                pool = replace(pool, reuse_factor=hls_cfg.reuse_factor, accum_type=float_precision, result_type=float_precision)
            nodes.append(NodePrecision(layer.name, layer.name, pool.result_type, accum=pool.accum_type, function="pool"))
            design_layers.append(pool)
            current = pool.result_type
            continue
        if kind in DEPTHWISE_KINDS:
            _check_depthwise(layer, strategy=hls_cfg.strategy, where=where)
            _check_conv(layer, where=where)
            act_kind, act_q = _act_function(layer)
            acc = _depthwise_nodes(layer, current, weights, nodes, design_layers, rf(layer.name), linear=act_kind == "linear",
                                   where=where, warnings=warnings, fixed=fixed)
            current = _fused_activation(layer, act_kind, act_q, acc, nodes, design_layers, rf(layer.name), is_last=is_last, where=where,
                                        estimate_only=estimate_only, warnings=warnings)
            continue
        if kind in ("QDense", *CONV_KINDS):
            act_kind, act_q = _act_function(layer)
            part = ""
            lrf = rf(layer.name)
            if hls_cfg.strategy.lower() == "resource" and lrf > 1:
                lrf = _resource_reuse_factor(layer.name, *W.reshape(-1, W.shape[-1]).shape, lrf, warnings)
                if hls_cfg.io_type == "io_parallel" and (kind in CONV_KINDS or len(layer.input_shape) > 2):
                    _check_conv_resource(layer, W.reshape(-1, W.shape[-1]).shape[0], lrf, where=where)
            if kind in CONV_KINDS:
                function = "conv"
                design_layers.append(_conv_design(layer, W.reshape(-1, W.shape[-1]), b, current, w_t, b_t, acc, lrf))
            elif kind == "QDense" and len(layer.input_shape) > 2:
                # a Dense on every position of a sequence or image (a Deep Sets' per-particle network):
                # hls4ml replaces it by a 1x1 convolution of the same name
                function, part = "conv", "pointwise"
                h, w, ch = _spatial(layer.input_shape)
                design_layers.append(ConvDesign(layer.name, W, b, current, w_t, b_t, acc, acc, reuse_factor=lrf,
                                                in_height=h, in_width=w, n_chan=ch, out_height=h, out_width=w))
            else:
                function = "dense"
                design_layers.append(DenseDesign(layer.name, W, b, current, w_t, b_t, acc, acc, reuse_factor=lrf))
            native = _native_kernel(layer, where=where)
            if native == "binary":
                # hls4ml stores -1 as 0 and counts those as its n_zeros (its multiplier_limit)
                design_layers[-1].n_zeros = int(np.sum(W < 0))
            # a fused activation is split by hls4ml into '<name>_<activation>': Keras' output is then that node's
            # (a quantized_po2, ternary or binary kernel keeps hls4ml's own weight type: no weight precision)
            nodes.append(NodePrecision(layer.name, layer.name if act_kind == "linear" and alpha is None else None, acc,
                                       None if native else w_t, b_t, acc, function, part=part,
                                       source=layer.name if part else None, reuse=lrf,
                                       scale=None if alpha is None else alpha.scale))
            if alpha is not None:
                acc = _alpha_layer(layer, alpha.scale, alpha_bias, acc, nodes, design_layers, lrf, linear=act_kind == "linear",
                                   where=where)
            current = _fused_activation(layer, act_kind, act_q, acc, nodes, design_layers, lrf, is_last=is_last, where=where,
                                        estimate_only=estimate_only, warnings=warnings)
            continue
        if kind == "Softmax":
            # hls4ml 1.3.0 names this layer's config 'Softmax_config<N>' but calls 'softmax_config<N>':
            # the project does not compile
            raise ModelError("a Softmax() layer is converted by hls4ml 1.3.0 into C++ that does not compile", where=where,
                             fix="use tf.keras.layers.Activation('softmax') instead (the same function)")
        if kind == "ReLU":
            c = layer.get_config()
            odd = c.get("max_value") is not None or float(c.get("negative_slope") or 0) != 0 or float(c.get("threshold") or 0) != 0
            if odd and estimate_only:
                # hls4ml 1.3.0's converter turns any ReLU layer into a plain relu, dropping these
                warnings.append(f"ReLU {layer.name!r}: hls4ml converts it to a plain relu, ignoring max_value "
                                f"{c.get('max_value')}, negative_slope {c.get('negative_slope')} and threshold "
                                f"{c.get('threshold')}; priced as that relu (the hardware then differs from Keras)")
            elif odd:
                raise ModelError("ReLU with max_value, negative_slope or threshold is not supported", where=where,
                                 fix="use a plain ReLU(), Activation('relu') or QActivation(quantized_relu(bits))")
        if kind in PARAM_ACTIVATION_LAYERS and estimate_only:
            # hls4ml's leaky_relu / elu / thresholded_relu / prelu: the parameter in the model's default
            # precision (its param_t), the output in hls4ml's default result type
            out = HLS4ML_DEFAULT_PRECISION
            function, param = _param_activation(layer, kind, where=where)
            nodes.append(NodePrecision(layer.name, layer.name, out, function=function))
            design_layers.append(ActivationDesign(layer.name, function, int(np.prod(layer.output_shape[1:])), current, out,
                                                  table_size=1024 if function == "elu" else None,
                                                  reuse_factor=hls_cfg.reuse_factor, positions=_positions(layer.output_shape),
                                                  param_type=float_precision, **param))
            current = out
            continue
        if kind in PARAM_ACTIVATION_LAYERS:
            raise ModelError(f"layer type {kind} is not supported by flow verify (hls4ml rounds its parameter and the "
                             "product or table to fixed<16,6>, so it cannot be exact)", where=where,
                             fix="flow estimate prices it; for a bit-exact design use ReLU or QActivation(quantized_relu(...))")
        if kind == "QActivation" and _plain_function(getattr(layer, "quantizer", None)):
            # QActivation('relu'): a plain Keras function, which hls4ml 1.3.0's QKeras converter raises on
            raise ModelError(f"QActivation({layer.get_config().get('activation')!r}) wraps a plain Keras activation, which "
                             "hls4ml 1.3.0 does not convert ('Unsupported QKeras activation')", where=where,
                             fix=f"use Activation({layer.get_config().get('activation')!r}) (or ReLU()), or a quantizer such as "
                                 "QActivation(quantized_relu(bits, integer))")
        if kind in {"QActivation", "Activation", "ReLU"}:
            act_kind, act_q = ("relu", None) if kind == "ReLU" else _act_function(layer)
            prev = current
            current, node = _activation_node(layer, act_kind, act_q, current, is_last=is_last, where=where, node_name=layer.name,
                                             estimate_only=estimate_only, warnings=warnings)
            nodes.append(node)
            n = int(np.prod(layer.output_shape[1:]))
            _add_activation(design_layers, _act_design(node, prev, current, n, hls_cfg.reuse_factor,
                                                       positions=_positions(layer.output_shape)))
            continue
        if kind in BATCHNORM_KINDS and estimate_only:
            before = next((d for d in design_layers if d.name == out_design[srcs[0]]), None)
            if before is not None and before.name.endswith("_alpha") and getattr(before, "kind", "") == "normalize":
                # hls4ml's FuseConsecutiveBatchNormalization may merge the two (the '_alpha' type is
                # still 'auto' when it runs): not modelled
                raise ModelError(f"a {kind} right after a layer with an alpha='auto_po2' scale is not modelled (hls4ml "
                                 "may merge it into that layer's '_alpha' scale)", where=where,
                                 fix="use quantized_bits(..., alpha=1) for the layer before it, or a QConv2DBatchnorm")
            current = _batchnorm_for_estimate(layer, design_layers, current, float_precision, warnings,
                                              rf=hls_cfg.reuse_factor, where=where)
            continue
        if kind in BATCHNORM_KINDS:
            raise ModelError(f"layer type {kind} is not supported by the bit-exact flow (its float scale and shift have no "
                             "exact fixed-point form)", where=where,
                             fix="train the convolution and its batch normalization as one QConv2DBatchnorm or "
                                 "QDepthwiseConv2DBatchnorm (folded, quantized weights), fold it into the preceding "
                                 "layer's weights before quantization-aware training, or remove it; `flow estimate` "
                                 "prices it as hls4ml converts it")
        raise ModelError(f"layer type {kind} is not supported", where=where, fix="supported layers: " + "; ".join(SUPPORTED_LAYERS))
    if pending is not None:
        settle(*pending)
    for d in design_layers:
        if isinstance(d, DenseDesign) and d.name in hls_zeros:
            d.n_zeros = hls_zeros[d.name]
    if not dense_names:
        what = "Dense, Conv, QDense or QConv" if estimate_only else "QDense or QConv"
        raise ModelError(f"the model has no {what} layer", where=name, fix="supported layers: " + "; ".join(SUPPORTED_LAYERS))

    design = Design(
        name=name,
        layers=design_layers,
        input_type=in_type,
        n_inputs=n_inputs,
        backend=hls_cfg.backend,
        part=hls_cfg.part,
        clock_period_ns=hls_cfg.clock_period_ns,
        clock_uncertainty=hls_cfg.clock_uncertainty,
        io_type=hls_cfg.io_type,
        strategy=hls_cfg.strategy,
        extra={"softmax_implementation": hls_cfg.softmax_implementation,
               "stream_padding": sum(type(layer).__name__ in ("ZeroPadding1D", "ZeroPadding2D") for layer in layers)},
        inputs=branch_inputs([layer.name for layer in design_layers], design_reads),
    )
    return Plan(in_type, input_quantizer, source, nodes, design, warnings)


BATCHNORM_KINDS = ("BatchNormalization", "QBatchNormalization")
#: Keras merge layers -> hls4ml's operation
MERGE_KINDS = {"Add": "add", "Subtract": "subtract", "Multiply": "multiply", "Average": "average", "Maximum": "maximum",
               "Minimum": "minimum", "Concatenate": "concatenate"}
CONV_KINDS = ("QConv1D", "QConv2D", "QConv2DBatchnorm")
DEPTHWISE_KINDS = ("QDepthwiseConv2D", "QDepthwiseConv2DBatchnorm", "QSeparableConv1D", "QSeparableConv2D")
# named in the refusal, which points to their QKeras versions
FLOAT_CONV_KINDS = ("Conv1D", "Conv2D", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D")
#: float Keras layers `flow estimate` prices as their QKeras twins at the model-wide precision
FLOAT_TWINS = {"Dense": "QDense", "Conv1D": "QConv1D", "Conv2D": "QConv2D", "DepthwiseConv2D": "QDepthwiseConv2D",
               "SeparableConv1D": "QSeparableConv1D", "SeparableConv2D": "QSeparableConv2D"}
POOL_KINDS = ("MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D")
GLOBAL_POOL_KINDS = ("GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D")


def _float_weights(layer, precision: FixedType) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], dict[str, int]]:
    """A float layer's weights rounded to `precision`, keyed as `quantized_weights` keys its
    QKeras twin's (a separable convolution as its depthwise and pointwise halves), and the exact
    zeros of each float kernel: hls4ml's n_zeros (its multiplier_limit) counts those, not the
    weights its rounding makes zero."""
    values = [np.asarray(v, np.float64) for v in layer.get_weights()]
    n_out = int(layer.output_shape[-1])
    bias = quantize_to(values[-1], precision) if layer.use_bias else np.zeros(n_out)
    if type(layer).__name__.startswith("Separable"):
        names = [f"{layer.name}_depthwise", f"{layer.name}_pointwise"]
        return ({names[0]: (quantize_to(values[0], precision), np.zeros(values[0].shape[-2])),
                 names[1]: (quantize_to(values[1], precision), bias)},
                {name: int(np.sum(k == 0)) for name, k in zip(names, values[:2])})
    return {layer.name: (quantize_to(values[0], precision), bias)}, {layer.name: int(np.sum(values[0] == 0))}


def _weight_layer_types(layer, W: np.ndarray, b: np.ndarray, current: FixedType, *, where: str,
                        warnings: list[str], kernel: str = "kernel", with_bias: bool = True,
                        fixed: FixedType | None = None, po2_scale: bool = False,
                        exact: bool = True) -> tuple[FixedType, FixedType, FixedType]:
    """Weight, bias and exact accumulator types of a QDense/QConv (W as an (n_in, n_out) matrix);
    `kernel` names the quantizer ('depthwise', 'pointwise' for those convolutions), `with_bias`
    False for a separable conv's depthwise half (its bias is added after the pointwise one).
    `fixed`: a float layer priced at one model-wide precision, which is then all three.
    `po2_scale`: W is the kernel with its alpha='auto_po2' scale factored out (`_po2_alpha`).
    `exact` (flow verify): refuse what hls4ml computes inexactly, instead of a warning."""
    if fixed is not None:
        return fixed, fixed, fixed
    kind = type(layer).__name__
    quantizer = getattr(layer, f"{kernel}_quantizer_internal")
    if quantizer is None:
        raise ModelError(f"{kind} without a {kernel}_quantizer has float weights hls4ml cannot match exactly", where=where,
                         fix=f"set {kernel}_quantizer=quantized_bits(bits, integer, alpha=1)")
    native = _native_kernel(layer, kernel, where=where)
    if native:
        # quantized_po2, ternary, binary: hls4ml keeps its own weight type (products are shifts or
        # negations); the narrowest fixed type holding the values stands for it in the accumulator
        # and the estimate
        w_t = _exact_type_for(W, where=f"{where} {kernel}")
        if native == "quantized_po2":
            _check_po2_product(layer, W, current, exact=exact, where=where, warnings=warnings)
    else:
        kq = spec_from_qkeras(quantizer, where=f"{where} {kernel}", po2_scale=po2_scale)
        if kq.type != "quantized_bits":
            raise ModelError(f"{kernel} quantizer {kq.type} is not supported", where=where, fix=f"use quantized_bits for {kernel} kernels")
        w_t = fixed_type(kq)
    biased = layer.use_bias or kind in FOLDED_LAYERS  # a folded batch normalization always adds a bias
    if not with_bias:
        b_t = FixedType(1, 1, False)  # hls4ml's zero bias (ap_uint<1>)
    elif biased and layer.bias_quantizer_internal is not None:
        b_t = fixed_type(spec_from_qkeras(layer.bias_quantizer_internal, where=where + " bias", po2_scale=po2_scale))
    elif biased:
        b_t = _exact_type_for(b, where=where + " bias")
    else:
        b_t = FixedType(1, 1)
    acc = accumulator_type(current, w_t, b_t, W, b)
    if acc.width > FLOAT64_EXACT_BITS:
        raise ModelError(f"the exact sum needs {acc.width} bits, more than a double's {FLOAT64_EXACT_BITS}-bit mantissa: "
                         "neither the C-simulation trace nor the reference can hold it exactly", where=where,
                         fix="lower the input, weight or bias widths")
    if acc.width > FLOAT32_EXACT_BITS:
        warnings.append(
            f"layer {layer.name!r}: the exact sum needs {acc.width} bits, more than float32's {FLOAT32_EXACT_BITS}-bit mantissa, "
            "so QKeras' own float32 output may be rounded; the proof compares with the exact sum of its quantized weights (float64)"
        )
    return w_t, b_t, acc


#: the layers whose alpha='auto_po2' scale hls4ml 1.3.0 factors out (its QKerasFactorizeAlpha pass
#: matches Dense, Conv1D and Conv2D; the flow gives hls4ml a QConv2DBatchnorm already folded)
PO2_SCALED_KINDS = ("QDense", "QConv1D", "QConv2D")


@dataclass
class Po2Alpha:
    """A weight layer's power-of-two scale as hls4ml factors it out: `kernel` is the kernel hls4ml
    multiplies with (on the alpha=1 grid), `scale` one power of two per output."""

    kernel: np.ndarray
    scale: np.ndarray

    def nop(self, bias: np.ndarray) -> bool:
        """hls4ml's RemoveNopBatchNormalization drops an '_alpha' layer of scale 1 and bias 0 (a
        kernel whose auto_po2 scale came out 1, and no trained bias)."""
        return bool(np.all(self.scale == 1) and not np.any(bias))


#: QKeras kernel quantizers whose values hls4ml keeps in a weight type of its own and multiplies
#: without a multiplier (nnet_mult.h): quantized_po2 as `{sign, exponent}` structs (weight_exponential,
#: a shift), ternary as ap_int<2> (weight_ternary: 0, -x or x), binary as ap_uint<1> with -1 stored
#: as 0 (weight_binary: -x or x)
NATIVE_KERNELS = ("quantized_po2", "ternary", "binary")


def _native_kernel(layer, kernel: str = "kernel", *, where: str = "") -> str | None:
    """The QKeras class of the layer's kernel quantizer when it is one of NATIVE_KERNELS (None for
    anything else, which the quantized_bits path checks). QDense, QConv1D and QConv2D only: the
    layers whose power-of-two, ternary and binary kernels (and their auto_po2 scales) hls4ml
    converts exactly."""
    q = getattr(layer, f"{kernel}_quantizer_internal", None)
    name = type(q).__name__
    if name not in NATIVE_KERNELS:
        return None
    kind = type(layer).__name__
    if kernel != "kernel" or not _po2_layer(layer):
        raise ModelError(f"{name} in a {kind} {kernel} is not supported", where=where,
                         fix=f"use {name} only for a QDense, QConv1D or QConv2D kernel, or quantized_bits")
    c = q.get_config()
    if c.get("use_stochastic_rounding") or c.get("quadratic_approximation"):
        raise ModelError(f"{name} with use_stochastic_rounding or quadratic_approximation is not supported", where=where,
                         fix=f"use {name} without them (a deterministic kernel hls4ml can store)")
    if name == "quantized_po2":
        return name
    alpha = getattr(q, "alpha", None)
    if alpha not in (1, 1.0, "auto_po2"):
        raise ModelError(f"{name} with alpha={alpha!r} is not supported", where=where,
                         fix=f"use {name}(alpha=1) or {name}() (QKeras makes that alpha='auto_po2', a power-of-two scale per "
                             "output that hls4ml factors out exactly)")
    if name == "binary" and c.get("use_01"):
        raise ModelError("binary(use_01=True) is not supported (hls4ml reads binary weights as -1/+1)", where=where,
                         fix="use binary() or binary(alpha=1) (values -1 and +1)")
    return name


#: the grid a ternary or binary kernel is on once its alpha scale is factored out: -1, 0, 1
UNIT_GRID = FixedType(2, 2, True, "RND_CONV", "SAT")


def _check_po2_product(layer, W: np.ndarray, x_t: FixedType, *, exact: bool, where: str, warnings: list[str]) -> None:
    """hls4ml's weight_exponential shifts the input inside ap_fixed<2(E+W), E+W> (E the exponent
    field's width, the quantizer's bits; W the input width): a weight whose shift leaves that
    type is truncated or wrapped, and the layer then differs from QKeras."""
    bits = int(layer.kernel_quantizer_internal.get_config()["bits"])
    keep = bits + x_t.width  # the product type's integer and fractional bits
    mags = np.abs(np.asarray(W, dtype=np.float64))
    exps = np.round(np.log2(mags[mags > 0])) if np.any(mags > 0) else np.zeros(1)
    need_frac, need_int = x_t.frac - int(exps.min()), x_t.integer + int(exps.max())
    if need_frac <= keep and need_int <= keep:
        return
    msg = (f"hls4ml's power-of-two product type ap_fixed<{2 * keep},{keep}> (exponent bits {bits} + input width {x_t.width}) "
           f"cannot hold the input ({x_t.hls()}) shifted by every weight (2^{int(exps.min())} .. 2^{int(exps.max())} need "
           f"{need_frac} fractional and {need_int} integer bits): hls4ml truncates those products")
    if exact:
        raise ModelError(msg, where=where, fix="use quantized_po2 with fewer bits or a max_value (a narrower exponent range), "
                                               "or quantized_bits for this kernel")
    warnings.append(f"layer {layer.name!r}: {msg}; priced as hls4ml builds it (shifts)")


def _po2_layer(layer) -> bool:
    """A QDense on flat inputs, a QConv1D or a QConv2D: the layers whose power-of-two kernels and
    scales hls4ml converts (a QDense on a sequence becomes a 1x1 convolution it does not)."""
    kind = type(layer).__name__
    return kind in PO2_SCALED_KINDS and not (kind == "QDense" and len(layer.input_shape) > 2)


def _helper_names(layer) -> list[tuple[str, str, str]]:
    """(name, what, naming pattern) of the nodes hls4ml and the flow add after a layer: its fused activation as
    '<layer>_<activation>' (hls4ml's keras_v2_to_hls, for every layer with an `activation`, linear
    included), the '<layer>_alpha' scale of an alpha='auto_po2' kernel, a separable conv's halves."""
    out = []
    kind = type(layer).__name__
    act = getattr(layer, "activation", None)
    if act is not None and kind not in ("Activation", "QActivation", "ReLU", "Softmax", "LeakyReLU", "PReLU", "ELU",
                                        "ThresholdedReLU"):
        suffix = getattr(act, "__name__", None) or type(act).__name__
        out.append((f"{layer.name}_{suffix}", f"the {suffix} activation", "'<layer>_<activation>'"))
    if _has_po2(layer):
        out.append((f"{layer.name}_alpha", "the auto_po2 scale", "'<layer>_alpha'"))
    if kind.startswith("QSeparable") or kind.startswith("Separable"):
        out += [(f"{layer.name}_{half}", f"the {half} half", "'<layer>_depthwise' / '<layer>_pointwise'")
                for half in ("depthwise", "pointwise")]
    return out


def _check_helper_names(layers, model_name: str) -> None:
    """hls4ml names the node it adds after a layer '<layer>_<activation>'; a layer of the model
    already called that gives the converted graph two nodes of one name, and hls4ml then wires or
    types the wrong one (C-simulation far from QKeras, or an assertion inside hls4ml)."""
    names = {layer.name for layer in layers}
    for layer in layers:
        for helper, what, pattern in _helper_names(layer):
            if helper in names:
                raise ModelError(f"layer {helper!r} has the name hls4ml gives {what} of layer {layer.name!r} "
                                 f"({pattern}), so the converted model would hold two nodes of that name",
                                 where=f"{model_name}: layer {helper!r}", fix=f"rename layer {helper!r} or layer {layer.name!r}")


def _has_po2(layer) -> bool:
    """Whether hls4ml factors an alpha='auto_po2' scale out of this layer (`_po2_alpha`)."""
    if not _po2_layer(layer):
        return False
    qs = (layer.kernel_quantizer_internal, getattr(layer, "bias_quantizer_internal", None))
    return any(isinstance(getattr(q, "alpha", None), str) and q.alpha == "auto_po2" for q in qs if q is not None)


def _factor_alpha(layer, W: np.ndarray, b: np.ndarray, *, fixed: FixedType | None, exact: bool, where: str,
                  warnings: list[str]) -> tuple[np.ndarray, np.ndarray, Po2Alpha | None, np.ndarray]:
    """A QDense/QConv's kernel and bias as hls4ml's layer holds them, the alpha scale it moves to a
    '<name>_alpha' layer (None: no such layer) and that layer's bias."""
    alpha = None if fixed is not None else _po2_alpha(layer, W, exact=exact, where=where, warnings=warnings)
    if alpha is None:
        return W, b, None, b
    return alpha.kernel, np.zeros_like(b), (None if alpha.nop(b) else alpha), b


def _po2_alpha(layer, W: np.ndarray, *, exact: bool, where: str, warnings: list[str]) -> Po2Alpha | None:
    """hls4ml's QKerasFactorizeAlpha for a layer whose kernel or bias quantizer has alpha='auto_po2'
    (QKeras' default for a quantized_bits written without alpha); None when neither has, or when
    hls4ml does not factor this layer (the quantizer check then refuses it by name).

    Computed as hls4ml computes it: the kernel quantizer applied to the float kernel, its `.scale`
    taken as the per-output scale, the quantized kernel divided by it and re-quantized onto the
    alpha=1 grid. The bias moves to the '<name>_alpha' layer: x @ (W / s) * s + b."""
    if not _has_po2(layer):
        return None
    import tensorflow as tf

    kq = layer.kernel_quantizer_internal
    n_out = int(W.shape[-1])
    if isinstance(getattr(kq, "alpha", None), str) and kq.alpha == "auto_po2":
        kq(tf.convert_to_tensor(layer.kernel.numpy()))
        scale = np.asarray(kq.scale, dtype=np.float64).reshape(-1)
    else:  # only the bias is auto_po2: hls4ml still moves the bias, with a scale of one
        scale = np.ones(1)
    scale = np.full(n_out, float(scale[0])) if scale.size == 1 else scale
    if scale.size != n_out or not np.all(scale > 0) or not np.all(np.log2(scale) == np.round(np.log2(scale))):
        raise ModelError(f"the kernel quantizer's alpha='auto_po2' scale has {scale.size} values, not one power of two per "
                         f"output ({n_out})", where=where, fix="quantize the kernel per output channel (QKeras' default "
                         "scale_axis), or use alpha=1")
    native = _native_kernel(layer, where=where)
    if native == "quantized_po2":  # only its bias is auto_po2: the kernel stays as it is (scale 1)
        w_t = _exact_type_for(W, where=f"{where} kernel")
    else:
        w_t = UNIT_GRID if native else fixed_type(spec_from_qkeras(kq, where=f"{where} kernel", po2_scale=True))
    unscaled = W / scale
    kernel = quantize_to(unscaled, replace(w_t, rounding="RND_CONV", saturation="SAT"))  # hls4ml re-quantizes with alpha=1
    moved = int(np.sum(kernel != unscaled))
    if moved:
        msg = (f"{moved} of {kernel.size} kernel values divided by their alpha='auto_po2' scale fall off the alpha=1 grid "
               f"{w_t.hls()}, and hls4ml rounds or clips them, so its layer differs from QKeras'")
        if exact:
            raise ModelError(msg, where=where, fix="retrain with alpha=1 written explicitly, e.g. quantized_bits(bits, integer, alpha=1)")
        warnings.append(f"layer {layer.name!r}: {msg}; priced as hls4ml converts it")
    return Po2Alpha(kernel, scale)


def _alpha_layer(layer, scale: np.ndarray, bias: np.ndarray, acc: FixedType, nodes: list, design_layers: list, rf: int, *,
                 linear: bool, where: str) -> FixedType:
    """hls4ml's '<name>_alpha' (ApplyAlpha, a `normalize`): the layer's sum times its power-of-two
    scale plus its bias, per output channel. hls4ml types it 'auto' (the model default, which can
    truncate); the flow retypes it after conversion (`_retype_alpha`) to what holds it exactly:
    the scale and bias in their narrowest exact types, the result in the exact sum's."""
    bias = np.asarray(bias, dtype=np.float64)
    scale_t = exact_type(scale)
    bias_t = exact_type(bias)
    if scale_t is None or bias_t is None:
        raise ModelError("the alpha scale or bias has no exact fixed-point type", where=where,
                         fix="use quantized_bits(bits, integer, alpha=1) for the kernel and bias")
    result = accumulator_type(acc, scale_t, bias_t, np.diag(scale), bias)
    positions = _positions(layer.output_shape)
    name = f"{layer.name}_alpha"
    design_layers.append(normalize_dense(name, scale, bias, acc, scale_t, bias_t, result, reuse_factor=rf, positions=positions))
    nodes.append(NodePrecision(name, layer.name if linear else None, result, scale_t, bias_t, None, "alpha", scale=scale,
                               alpha_bias=bias))
    return result


def _check_conv_resource(layer, kernel_inputs: int, reuse_factor: int, *, where: str) -> None:
    """hls4ml 1.3.0's io_parallel Resource convolution (conv_1d/2d_resource_cl, also what a 1x1
    convolution and a Dense on a sequence become) asserts `reuse_factor <= filt_h * filt_w *
    n_chan`, though hls4ml's own list of valid reuse factors goes past it: the C-simulation (and
    the Python process running it) aborts. `reuse_factor` is the one hls4ml builds with."""
    if reuse_factor <= kernel_inputs:
        return
    kind = type(layer).__name__
    what = f"a {kind} on a {len(layer.input_shape) - 1}-D input (a 1x1 convolution in hls4ml)" if kind == "QDense" else f"a {kind}"
    raise ModelError(f"{what} with strategy Resource, io_parallel and reuse factor {reuse_factor}, more than its "
                     f"{kernel_inputs} kernel inputs (filter size x channels), is converted by hls4ml 1.3.0 into C++ "
                     "that asserts RF <= FILT_SIZE * N_CHAN and aborts", where=where,
                     fix=f"use a reuse factor of at most {kernel_inputs} for it (hls.per_layer_reuse or --reuse-factor), "
                         "strategy Latency, or io_stream")


def _check_conv(layer, *, where: str) -> None:
    """What hls4ml's convolutions implement."""
    c = layer.get_config()
    if c.get("data_format", "channels_last") != "channels_last":
        raise ModelError(f"data_format {c.get('data_format')!r} is not supported", where=where, fix="use channels_last (the Keras default)")
    if c.get("padding") not in ("valid", "same"):
        raise ModelError(f"padding {c.get('padding')!r} is not supported", where=where, fix="use padding 'valid' or 'same'")
    if any(int(d) != 1 for d in np.atleast_1d(c.get("dilation_rate", 1))):
        raise ModelError(f"dilation_rate {c.get('dilation_rate')} is not supported by hls4ml", where=where, fix="use dilation_rate 1")
    if int(c.get("groups", 1)) != 1:
        raise ModelError(f"groups={c.get('groups')} (grouped convolution) is not supported", where=where, fix="use groups=1")


def _fused_activation(layer, act_kind: str, act_q, acc: FixedType, nodes: list, design_layers: list, rf: int, *,
                      is_last: bool, where: str, estimate_only: bool = False, warnings: list[str] | None = None) -> FixedType:
    """A weight layer's own activation, which hls4ml splits into a '<name>_<activation>' node
    (Keras' output of the layer is then that node's); returns the type after it."""
    if act_kind == "linear":
        return acc
    out, node = _activation_node(layer, act_kind, act_q, acc, is_last=is_last, where=where,
                                 node_name=f"{layer.name}_{_hls_act_suffix(act_kind, act_q)}", estimate_only=estimate_only,
                                 warnings=warnings)
    nodes.append(node)
    _add_activation(design_layers, _act_design(node, acc, out, int(np.prod(layer.output_shape[1:])), rf,
                                               positions=_positions(layer.output_shape)))
    return out


def _check_depthwise(layer, *, strategy: str, where: str) -> None:
    """What hls4ml's depthwise convolutions implement: one filter per channel, Latency strategy."""
    if int(layer.get_config().get("depth_multiplier", 1)) != 1:
        raise ModelError(f"depth_multiplier {layer.get_config()['depth_multiplier']} is not implemented by hls4ml's depthwise "
                         "convolution (it asserts n_filt == n_chan)", where=where, fix="use depth_multiplier=1")
    if strategy.lower() != "latency":
        raise ModelError(f"strategy {strategy} is not implemented by hls4ml's depthwise convolution (it asserts for "
                         "Resource)", where=where, fix="use strategy Latency (any reuse factor)")


def _depthwise_nodes(layer, current: FixedType, weights: dict, nodes: list, design_layers: list, rf: int, *, linear: bool,
                     where: str, warnings: list[str], fixed: FixedType | None = None) -> FixedType:
    """A QDepthwiseConv2D, or a QSeparableConv split as hls4ml splits it into '<name>_depthwise'
    and a 1x1 '<name>_pointwise' convolution; each priced as a convolution (a depthwise kernel as
    its block-diagonal matrix: the zeros cost nothing) with its narrowest exact accumulator.
    Returns the last part's accumulator type, its output's."""
    kind = type(layer).__name__
    keras_out = layer.name if linear else None
    if "Separable" not in kind:
        Wdw, b = weights[layer.name]
        M = depthwise_matrix(Wdw.reshape(-1, Wdw.shape[-2]))
        w_t, b_t, acc = _weight_layer_types(layer, M, b, current, where=where, warnings=warnings, kernel="depthwise",
                                            fixed=fixed)
        d = _conv_design(layer, M, b, current, w_t, b_t, acc, rf)
        d.n_zeros = int(np.sum(Wdw == 0))  # hls4ml counts the zeros of the k*C kernel it is given
        design_layers.append(d)
        nodes.append(NodePrecision(layer.name, keras_out, acc, w_t, b_t, acc, "conv", part="depthwise", source=layer.name))
        return acc
    Wdw, zero = weights[f"{layer.name}_depthwise"]
    Wpw, b = weights[f"{layer.name}_pointwise"]
    M = depthwise_matrix(Wdw.reshape(-1, Wdw.shape[-2]))
    dw_t, z_t, dw_acc = _weight_layer_types(layer, M, zero, current, where=where + " depthwise", warnings=warnings,
                                            kernel="depthwise", with_bias=False, fixed=fixed)
    d = _conv_design(layer, M, zero, current, dw_t, z_t, dw_acc, rf, name=f"{layer.name}_depthwise")
    d.n_zeros = int(np.sum(Wdw == 0))
    P = Wpw.reshape(Wpw.shape[-2], Wpw.shape[-1])
    pw_t, b_t, pw_acc = _weight_layer_types(layer, P, b, dw_acc, where=where + " pointwise", warnings=warnings,
                                            kernel="pointwise", fixed=fixed)
    oh, ow, ch = d.out_height, d.out_width, P.shape[0]
    p = ConvDesign(f"{layer.name}_pointwise", P, b, dw_acc, pw_t, b_t, pw_acc, pw_acc, reuse_factor=rf, in_height=oh, in_width=ow,
                   n_chan=ch, out_height=oh, out_width=ow)
    design_layers += [d, p]
    nodes.append(NodePrecision(d.name, None, dw_acc, dw_t, None, dw_acc, "conv", part="depthwise", source=layer.name))
    nodes.append(NodePrecision(p.name, keras_out, pw_acc, pw_t, b_t, pw_acc, "conv", part="pointwise", source=layer.name))
    return pw_acc


def _resource_reuse_factor(name: str, n_in: int, n_out: int, requested: int, warnings: list[str]) -> int:
    """The reuse factor hls4ml builds a Resource-strategy kernel with: the request when valid, else
    the closest valid one (ties to the smaller), which hls4ml substitutes with only a printed line.
    The flow writes that value into the project itself and says so."""
    valid = hls4ml_resource_reuse_factors(n_in, n_out)
    built = closest_resource_reuse_factor(n_in, n_out, requested)
    if built == requested:
        return requested
    shown = ", ".join(map(str, valid[:12])) + (", ..." if len(valid) > 12 else "")
    warnings.append(f"layer {name!r}: reuse factor {requested} is not one hls4ml's Resource strategy builds for its "
                    f"{n_in} x {n_out} kernel, so hls4ml would use {built}, the closest valid one; the project and the "
                    f"estimate use {built} (valid: {shown}; set hls.per_layer_reuse or --reuse-factor to one of them)")
    return built


def _topology(model, *, where: str) -> tuple[dict[str, list[str]], str]:
    """Each layer's input layers (by name) and the output layer, from the functional model's config."""
    try:
        cfg = model.get_config()
    except (NotImplementedError, TypeError, ValueError):  # a model Keras cannot describe: read as a chain
        return {}, model.layers[-1].name
    inbound: dict[str, list[str]] = {}
    for lc in cfg.get("layers") or []:
        calls = lc.get("inbound_nodes")
        if not isinstance(calls, list):
            continue
        if len(calls) > 1:
            raise ModelError(f"layer {lc.get('name')!r} is called {len(calls)} times (a shared layer)", where=where,
                             fix="give each call its own layer: hls4ml converts every layer once")
        inbound[lc["name"]] = [t[0] for t in calls[0]] if calls else []
    outs = cfg.get("output_layers") or []
    return inbound, outs[0][0] if outs else model.layers[-1].name


#: hls4ml 1.3.0 copies a stream to at most this many readers (its clone_output pass refuses more)
MAX_STREAM_READERS = 7


def _check_stream_fanout(model, inbound: dict[str, list[str]], output_name: str, *, io_type: str, where: str,
                         estimate_only: bool, warnings: list[str]) -> None:
    """io_stream: hls4ml clones a layer's output stream once per reader (the model output counts as
    one) and refuses more than MAX_STREAM_READERS with a bare ValueError mid-conversion; say so first.
    A Dropout, which hls4ml removes, passes its readers on to its own input."""
    if io_type != "io_stream" or not inbound:
        return
    kinds = {layer.name: type(layer).__name__ for layer in model.layers}

    def source(lname: str) -> str:
        seen = set()
        while kinds.get(lname) == "Dropout" and inbound.get(lname) and lname not in seen:
            seen.add(lname)
            lname = inbound[lname][0]
        return lname

    readers: dict[str, int] = {}
    for lname, srcs in inbound.items():
        if kinds.get(lname) == "Dropout":
            continue
        for src in srcs:
            readers[source(src)] = readers.get(source(src), 0) + 1
    out = source(output_name)
    for src, n in readers.items():
        n_total = n + (1 if src == out else 0)
        if n_total > MAX_STREAM_READERS:
            message = (f"layer {src!r} feeds {n_total} readers{' (the model output counts as one)' if src == out else ''}; in "
                       f"io_stream hls4ml 1.3.0 copies a stream to at most {MAX_STREAM_READERS}")
            fix = "use io_type io_parallel, or feed the readers through fewer branches (e.g. a Concatenate then one layer)"
            if not estimate_only:
                raise ModelError(message, where=f"{where}: layer {src!r}", fix=fix)
            warnings.append(f"{message}: hls4ml cannot convert this design as it is ({fix})")


def _merge_node(layer, kind: str, in_types: list[FixedType], nodes: list, design_layers: list, *, where: str,
                fixed: FixedType | None = None) -> FixedType:
    """A Keras merge as hls4ml's merge node, its result typed to hold the exact value (hls4ml
    computes it at full precision, then casts to the result type); `fixed`: a float model's, which
    config_from_keras_model(granularity='model') gives the model-wide precision."""
    op = MERGE_KINDS[kind]
    shapes = [tuple(s[1:]) for s in layer.input_shape]
    if len(in_types) != 2:
        raise ModelError(f"{kind} of {len(in_types)} inputs is not supported (hls4ml merges two)", where=where,
                         fix=f"chain two-input {kind} layers")
    if op != "concatenate" and shapes[0] != shapes[1]:
        raise ModelError(f"{kind} of shapes {shapes[0]} and {shapes[1]} (broadcasting) is not supported", where=where,
                         fix="give both inputs the same shape")
    result = fixed or merge_result_type(op, in_types[0], in_types[1])
    nodes.append(NodePrecision(layer.name, layer.name, result, function="merge", op=op))
    n1, n2 = (int(np.prod(s)) for s in shapes)
    design_layers.append(MergeDesign(layer.name, op, n1, n2, in_types[0], in_types[1], result,  # type: ignore[arg-type]
                                     positions=_positions(layer.output_shape)))
    return result


def _check_pool(layer, *, io_type: str, where: str) -> None:
    c = layer.get_config()
    if type(layer).__name__ in GLOBAL_POOL_KINDS:
        if c.get("keepdims"):
            raise ModelError("a global pooling with keepdims=True is not converted by hls4ml (its output is one "
                             "value per channel)", where=where, fix="use keepdims=False (the Keras default)")
        if c.get("data_format", "channels_last") != "channels_last":
            raise ModelError(f"data_format {c.get('data_format')!r} is not supported", where=where, fix="use channels_last (the Keras default)")
        return
    if io_type == "io_stream" and len(layer.pool_size) == 2 and tuple(layer.strides) != tuple(layer.pool_size):
        # nnet_pooling_stream.h asserts pool size == stride: the C-simulation would abort
        raise ModelError(f"io_stream 2-D pooling with strides {tuple(layer.strides)} != pool_size {tuple(layer.pool_size)} "
                         "is not implemented by hls4ml", where=where, fix="use strides equal to pool_size, or io_parallel")
    if c.get("data_format", "channels_last") != "channels_last":
        raise ModelError(f"data_format {c.get('data_format')!r} is not supported", where=where, fix="use channels_last (the Keras default)")
    if c.get("padding") != "valid":
        raise ModelError(f"padding {c.get('padding')!r} is not supported for pooling (its padded border is not "
                         "proved against Keras here)", where=where, fix="use padding 'valid'")


def _batchnorm_for_estimate(layer, design_layers: list, current: FixedType, precision: FixedType,
                            warnings: list[str], *, rf: int, where: str) -> FixedType:
    """A BatchNormalization as hls4ml converts it, for the resource estimate only.

    hls4ml's FuseBatchNormalization folds it into the layer before only when that layer's output
    precision is unspecified, which neither the flow's per-layer config nor
    config_from_keras_model(granularity='model') leaves it (checked on hls4ml 1.3.0: Dense + BN and
    Conv2D + BN stay two layers). So it is a `normalize` layer, x * scale + bias per element with
    one scale per channel, priced as a diagonal dense layer at every position
    (`normalize_dense`). Returns the type of its output.
    """
    axis = layer.get_config().get("axis", -1)
    axes = [int(a) % len(layer.input_shape) for a in np.atleast_1d(axis)]
    if axes != [len(layer.input_shape) - 1]:
        raise ModelError(f"a BatchNormalization over axis {axis} is not modelled (hls4ml normalizes the last, channels, axis)",
                         where=where, fix="normalize over the channels (axis=-1, the Keras default)")
    gamma, beta, mean, var = _batchnorm_params(layer)
    scale = gamma / np.sqrt(var + float(layer.epsilon))
    shift = beta - mean * scale
    design_layers.append(normalize_dense(layer.name, scale, shift, current, precision, precision, precision, reuse_factor=rf,
                                         positions=_positions(layer.input_shape)))
    warnings.append(f"BatchNormalization {layer.name!r} is priced as hls4ml's separate normalize layer (x * scale + bias "
                    f"per element, scale and bias at {precision.hls()}), as hls4ml 1.3.0 converts it when the layer before "
                    "has a set output precision (always, with the flow's config or granularity='model')")
    return precision


def _batchnorm_params(layer) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """gamma, beta, moving mean and variance of a (Q)BatchNormalization, with its center/scale flags."""
    values = list(layer.get_weights())
    n = int(values[-1].shape[-1])
    gamma = np.asarray(values.pop(0), np.float64) if getattr(layer, "scale", True) else np.ones(n)
    beta = np.asarray(values.pop(0), np.float64) if getattr(layer, "center", True) else np.zeros(n)
    mean, var = (np.asarray(v, np.float64) for v in values[-2:])
    return gamma, beta, mean, var


#: Keras activation layers with a parameter, priced by flow estimate as hls4ml converts them
PARAM_ACTIVATION_LAYERS = ("LeakyReLU", "ELU", "ThresholdedReLU", "PReLU")


def _param_activation(layer, kind: str, *, where: str) -> tuple[str, dict]:
    """hls4ml's function for a parametrized activation layer and its parameter (ActivationDesign
    fields): LeakyReLU/ELU alpha, ThresholdedReLU theta (in `alpha`), PReLU's alpha per value."""
    c = layer.get_config()
    if kind == "LeakyReLU":
        return "leaky_relu", {"alpha": float(c["alpha"])}
    if kind == "ELU":
        return "elu", {"alpha": float(c.get("alpha", 1.0))}
    if kind == "ThresholdedReLU":
        return "thresholded_relu", {"alpha": float(c.get("theta", 1.0))}
    if c.get("shared_axes") is not None:
        raise ModelError(f"PReLU with shared_axes {c['shared_axes']} is not converted by hls4ml", where=where,
                         fix="use PReLU() without shared_axes (one slope per value)")
    return "prelu", {"alphas": [float(v) for v in np.asarray(layer.get_weights()[0], dtype=np.float64).reshape(-1)]}


def _plain_function(q) -> bool:
    """A plain Keras activation function (tf.keras.activations.relu), not a QKeras quantizer object."""
    return callable(q) and not hasattr(q, "get_config")


def _hls_act_suffix(kind: str, q) -> str:
    """hls4ml's suffix of a fused activation's node: a QKeras quantizer's class name, else the
    Keras activation's name (a plain function such as Keras' hard_sigmoid: 'dense_hard_sigmoid')."""
    return kind if q is None or _plain_function(q) else type(q).__name__


def _exact_type_for(values: np.ndarray, *, where: str) -> FixedType:
    """The narrowest type holding float values exactly (e.g. an unquantized bias), up to 24 fraction bits."""
    t = exact_type(values)
    if t is None:
        raise ModelError("unquantized values are not exact in fixed point", where=where, fix="quantize them with quantized_bits")
    return t


#: QKeras' quantized_tanh / quantized_sigmoid: hls4ml 1.3.0 converts them (without use_real_*) to its
#: HardActivation, nnet::hard_tanh / hard_sigmoid with slope and shift 0.5 in ap_ufixed<2,0>
HARD_QUANTIZERS = ("quantized_tanh", "quantized_sigmoid")
#: the widest of each QKeras computes exactly: its top value 1 - 2^-(bits-1) / 1 - 2^-bits fits float32
HARD_MAX_BITS = {"quantized_tanh": 25, "quantized_sigmoid": 24}
#: an input with at most this many fractional bits: QKeras' float32 0.5 * x + 0.5 is exact on it
HARD_EXACT_INPUT_FRAC = FLOAT32_EXACT_BITS - 1


def hard_quantizer_type(kind: str, bits: int, *, symmetric: bool = False) -> FixedType:
    """The exact output type of QKeras' quantized_tanh(bits) / quantized_sigmoid(bits).

    QKeras: tanh = clip(round(p * 2^(bits-1)) / 2^(bits-1), -1 [+ 2^-(bits-1) if symmetric], 1 - 2^-(bits-1))
    with p = 2 clip(0.5 x + 0.5, 0, 1) - 1 = clip(x, -1, 1); sigmoid = clip(round(p * 2^bits) / 2^bits,
    0, 1 - 2^-bits) with p = clip(0.5 x + 0.5, 0, 1); tf.round rounds half to even. hls4ml's
    hard_tanh/hard_sigmoid compute that p exactly (an `auto` full-precision sum, clipped) and cast it
    to the result type: with RND_CONV (half to even) and SAT (1 saturates to the top code, as QKeras
    clips it) the cast is QKeras' round and clip; a symmetric tanh's SAT_SYM never gives -1, as
    QKeras' clip does not."""
    if kind == "quantized_tanh":
        return FixedType(bits, 1, True, "RND_CONV", "SAT_SYM" if symmetric else "SAT")
    return FixedType(bits, 0, False, "RND_CONV", "SAT")


def _hard_quantizer(q, kind: str, *, where: str, exact: bool, warnings: list[str] | None = None) -> tuple[FixedType, str]:
    """(output type, hls4ml function) of a QKeras quantized_tanh / quantized_sigmoid. `exact`
    (flow verify): a ModelError naming the parameter for any form hls4ml cannot reproduce bit for
    bit (see `hard_quantizer_type` for why the others are exact)."""
    import qkeras.quantizers as qq

    c = q.get_config()
    tanh = kind == "quantized_tanh"
    name = kind.removeprefix("quantized_")
    bits, symmetric = int(c.get("bits", 8)), bool(c.get("symmetric"))
    real = "use_real_tanh" if tanh else "use_real_sigmoid"
    if exact and bits < 1:
        raise ModelError(f"{kind}(bits={bits}) is not supported by flow verify (no fixed-point type has {bits} bits)",
                         where=where, fix=f"use {kind}(bits) with bits >= 1")
    top = HARD_MAX_BITS[kind]
    if exact and bits > top:
        # QKeras clips to 1 - 2^-bits in float32, which rounds to 1.0 beyond 24 significant bits
        # (and 2^32 overflows its int32 pow), where the fixed-point type saturates below 1
        raise ModelError(f"{kind}(bits={bits}) is not supported by flow verify: QKeras computes its top value "
                         f"1 - 2^-{bits - 1 if tanh else bits} in float32, which rounds it to 1.0", where=where,
                         fix=f"use {kind}(bits) with bits <= {top}")
    if exact and tanh and symmetric and bits < 2:
        # QKeras' grid is the single value 0; ap_fixed<1,1>'s symmetric saturation gives -1 (measured)
        raise ModelError("quantized_tanh(1, symmetric=True) is not supported by flow verify (its only value is 0, and "
                         "a 1-bit ap_fixed saturating symmetrically gives -1)", where=where,
                         fix="use symmetric=False or bits >= 2")
    t = hard_quantizer_type(kind, bits, symmetric=symmetric and tanh)
    if c.get(real):
        if exact:
            table = "[-4, 4)" if tanh else "[-8, 8)"
            raise ModelError(f"{kind} with {real}=True is not supported by flow verify: hls4ml computes it with its {name} "
                             f"lookup table (1024 entries over {table}, indexed by the truncated input and rounded to the "
                             f"table type), not QKeras' float {name}, so it cannot be bit-exact", where=where,
                             fix=f"use {kind}(bits) with {real}=False (QKeras' default hard {name}, which flow verify proves "
                                 "bit-exact) and retrain; flow estimate prices the table")
        return t, name
    if not exact:
        return t, f"hard_{name}"
    if symmetric and not tanh:
        raise ModelError(f"quantized_sigmoid with symmetric=True is not supported by flow verify: QKeras lifts 0 to "
                         f"2^-{bits}, which no ap_ufixed rounding or saturation mode does (hls4ml's hard_sigmoid gives 0)",
                         where=where, fix="use symmetric=False (the default) and retrain")
    if getattr(qq, "_sigmoid", None) is not getattr(qq, "hard_sigmoid", None):
        # QKeras' process-wide choice (set_internal_sigmoid): hls4ml always builds the hard one
        raise ModelError(f"QKeras' internal sigmoid is not 'hard' in this process (qkeras.quantizers.set_internal_sigmoid "
                         f"was called), so {kind} is not the clip(0.5 x + 0.5) hls4ml converts it to", where=where,
                         fix="call qkeras.quantizers.set_internal_sigmoid('hard') (QKeras' default) before verifying")
    if c.get("use_stochastic_rounding") and warnings is not None:
        warnings.append(f"{where}: {kind} has use_stochastic_rounding=True, which QKeras 0.9 applies only "
                        "while Keras' global learning phase is 1 (K.set_learning_phase), never in predict: verified "
                        "against its inference output (round half to even), as the FPGA computes it")
    return t, f"hard_{name}"


def _activation_node(layer, kind: str, q, in_t: FixedType, *, is_last: bool, where: str, node_name: str,
                     estimate_only: bool = False, warnings: list[str] | None = None) -> tuple[FixedType, NodePrecision]:
    """The type after an activation and its plan node. `estimate_only` (flow estimate, nothing to
    prove): a lookup-table activation (sigmoid, tanh, softmax) may sit inside the model too, its
    output in hls4ml's default result type, which the next layer reads; QKeras' quantized_tanh and
    quantized_sigmoid are what hls4ml converts them to (a hard_tanh/hard_sigmoid, or a table with
    use_real_*), their output on the quantizer's grid."""
    keras_name = layer.name
    if kind in HARD_QUANTIZERS:
        t, fn = _hard_quantizer(q, kind, where=where, exact=not estimate_only, warnings=warnings)
        return t, NodePrecision(node_name, keras_name, t, function=fn)
    if kind == "quantizer":
        spec = spec_from_qkeras(q, where=where, activation_exact=not estimate_only)
        t = fixed_type(spec)
        return t, NodePrecision(node_name, keras_name, t, function=f"quantizer:{spec.qkeras()}")
    if kind == "linear":
        return in_t, NodePrecision(node_name, keras_name, in_t, function="linear")
    if kind == "relu":
        t = FixedType(in_t.width, in_t.integer, False, "TRN", "WRAP")
        return t, NodePrecision(node_name, keras_name, t, function="relu")
    if kind == "hard_sigmoid":
        # Keras' own hard_sigmoid: hls4ml's HardActivation with slope 0.2 in ap_ufixed<16,0>, which
        # is not Keras' 0.2 in float32, and its output in hls4ml's default result type
        if not estimate_only:
            raise ModelError("activation 'hard_sigmoid' is converted by hls4ml with its slope 0.2 rounded to "
                             "ap_ufixed<16,0>, so it cannot be exact; not supported by flow verify", where=where,
                             fix="flow estimate prices it; for a bit-exact design use relu, quantized_relu, or "
                                 "QActivation(quantized_sigmoid(bits)) (QKeras' slope 0.5, which flow verify proves "
                                 "bit-exact) and retrain")
        return HLS4ML_DEFAULT_PRECISION, NodePrecision(node_name, keras_name, None, function=KERAS_HARD_SIGMOID)
    if kind in TABLE_ACTIVATIONS:
        if not estimate_only:
            raise ModelError(f"activation {kind!r} is a lookup table in hls4ml, not supported by flow verify", where=where,
                             fix="flow estimate prices it; for a bit-exact design use relu or quantized_relu")
        # its output in hls4ml's default result type, which the next layer reads
        return HLS4ML_DEFAULT_PRECISION, NodePrecision(node_name, keras_name, None, function=kind)
    if kind in APPROXIMATE_OUTPUTS:
        # lookup-table approximations in hls4ml by design: compared as decisions, exactness is
        # proved on their inputs
        if not is_last and not estimate_only:
            raise ModelError(f"{kind} is supported only as the last layer", where=where,
                             fix=f"move {kind} to the output (`flow estimate` prices it anywhere; `flow verify` proves a "
                                 "lookup table only on its input, so only at the output)")
        if kind == "softmax" and len(layer.output_shape) > 2:
            # hls4ml's softmax normalizes over all H*W*C values at once; Keras per position over the channels
            raise ModelError(f"softmax on a {len(layer.output_shape) - 1}-D output {layer.output_shape} is not supported: "
                             "hls4ml takes one softmax over every value, Keras one per position", where=where,
                             fix="Flatten and add a QDense before the softmax, or end the model without it")
        if not is_last:
            return HLS4ML_DEFAULT_PRECISION, NodePrecision(node_name, keras_name, None, function=kind)
        return in_t, NodePrecision(node_name, keras_name, None, function=kind)
    raise ModelError(f"activation {kind!r} is not supported", where=where, fix="supported layers: " + "; ".join(SUPPORTED_LAYERS))


def _positions(shape) -> int:
    """Pixels of a (batch, [height,] width, channels) shape: what io_stream passes one at a time."""
    return int(np.prod(shape[1:-1])) if len(shape) > 2 else 1


def _spatial(shape) -> tuple[int, int, int]:
    """(height, width, channels) of a (batch, length, channels) or (batch, h, w, channels) shape."""
    dims = [int(d) for d in shape[1:]]
    return (1, *dims) if len(dims) == 2 else tuple(dims)  # type: ignore[return-value]


def _pair(value) -> tuple[int, int]:
    """(height, width) of a kernel, pool or stride size: a 1-D layer's single value is the width."""
    v = [int(k) for k in np.atleast_1d(value)]
    return (1, v[0]) if len(v) == 1 else (v[0], v[1])


def _pads(size: int, out: int, k: int, s: int, padding: str) -> tuple[int, int]:
    """Keras/TensorFlow 'same' padding: the total split with the extra zero after (as hls4ml does)."""
    if padding != "same":
        return 0, 0
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def _conv_design(layer, W: np.ndarray, b: np.ndarray, x_t: FixedType, w_t: FixedType, b_t: FixedType,
                 acc: FixedType, rf: int, *, name: str | None = None) -> ConvDesign:
    c = layer.get_config()
    ih, iw, ch = _spatial(layer.input_shape)
    oh, ow, _ = _spatial(layer.output_shape)
    kh, kw = _pair(c["kernel_size"])
    sh, sw = _pair(c["strides"])
    pt, pb = _pads(ih, oh, kh, sh, c["padding"])
    pl, pr = _pads(iw, ow, kw, sw, c["padding"])
    return ConvDesign(name or layer.name, W, b, x_t, w_t, b_t, acc, acc, reuse_factor=rf, in_height=ih, in_width=iw, n_chan=ch,
                      filt_height=kh, filt_width=kw, stride_height=sh, stride_width=sw, out_height=oh, out_width=ow,
                      pad_top=pt, pad_bottom=pb, pad_left=pl, pad_right=pr)


def _pool_design(layer, x_t: FixedType, *, exact: bool, where: str, warnings: list[str]) -> PoolDesign:
    """A pooling with the types that make it exact: a maximum is a value of its input's type; a
    mean of k values needs log2(k) more fractional bits (and its sum as many more integer bits),
    hls4ml's own accumulator rule, and is then exact when k is a power of two. Reuse factor 1 (the
    PoolDesign default): hls_config sets it on dense and conv layers only, so hls4ml builds a
    pooling with config_from_keras_model's per-layer 1, not the model's."""
    kind = type(layer).__name__
    ih, iw, ch = _spatial(layer.input_shape)
    if kind in GLOBAL_POOL_KINDS:
        # one window over the whole input, one output position (as hls4ml's global_pooling1d/2d_cl)
        oh = ow = 1
        ph, pw, sh, sw = ih, iw, ih, iw
    else:
        oh, ow, _ = _spatial(layer.output_shape)
        ph, pw = _pair(layer.pool_size)
        sh, sw = _pair(layer.strides)
    if "Max" in kind:
        return PoolDesign(layer.name, x_t, ih, iw, ch, ph, pw, sh, sw, oh, ow, accum_type=x_t,
                          result_type=x_t, op="max")
    k = ph * pw
    extra = log2_ceil(k)
    acc = FixedType(x_t.width + 2 * extra, x_t.integer + extra, x_t.signed)
    res = FixedType(x_t.width + extra, x_t.integer, x_t.signed)
    if k & (k - 1):
        if exact:
            raise ModelError(f"an average of {k} values has no exact fixed-point value (1/{k} is not a power of two), "
                             "so the C-simulation cannot be proved bit-exact against QKeras", where=where,
                             fix=("pool an input whose positions number a power of two (e.g. 4x4 or 8x8)" if kind in GLOBAL_POOL_KINDS
                                  else "use a pool size whose area is a power of two (2, 4, 2x2, 4x4, ...)")
                             + ", or `flow estimate` to price it as it is")
        warnings.append(f"layer {layer.name!r}: the average of {k} values is priced with its mean truncated to "
                        f"{res.hls()} (sum in {acc.hls()})")
    return PoolDesign(layer.name, x_t, ih, iw, ch, ph, pw, sh, sw, oh, ow, accum_type=acc,
                      result_type=res, op="average")


def _add_activation(design_layers: list, a: ActivationDesign) -> None:
    """Every activation but an identity: hls4ml's EliminateLinearActivation removes a linear layer
    onto the grid its input already has, so the project has no such call to price."""
    if not (a.function == "linear" and a.input_type.same_grid(a.result_type)):
        design_layers.append(a)


#: Keras' hard_sigmoid as hls4ml 1.3.0 converts it: HardActivation, slope 0.2 in ap_ufixed<16,0>
KERAS_HARD_SIGMOID, KERAS_HARD_SLOPE, KERAS_HARD_SLOPE_TYPE = "keras_hard_sigmoid", 0.2, FixedType(16, 0, False)


def _act_design(node: NodePrecision, in_t: FixedType, out_t: FixedType, n: int, rf: int, *,
                positions: int = 1) -> ActivationDesign:
    fn = node.function
    function = (fn if fn in (*APPROXIMATE_OUTPUTS, *HARD_ACTIVATIONS, *TABLE_ACTIVATIONS)
                else "relu" if (fn == "relu" or "quantized_relu" in fn) else "linear")
    # the flow leaves only a lookup-table output's type to hls4ml (approximate, compared as a
    # decision): hls4ml then writes its default result_t
    result = node.result or HLS4ML_DEFAULT_PRECISION
    # hls4ml calls Activation('elu') as its ELU with alpha 1.0 in the model's default precision
    elu = {"alpha": 1.0, "param_type": HLS4ML_DEFAULT_PRECISION} if function == "elu" else {}
    if fn == KERAS_HARD_SIGMOID:
        function, elu = "hard_sigmoid", {"alpha": KERAS_HARD_SLOPE, "param_type": KERAS_HARD_SLOPE_TYPE}
    # a softmax's tables depend on its implementation, which the estimate knows (softmax_table_sizes)
    table = 1024 if function in LOOKUP_TABLE_ACTIVATIONS and function != "softmax" else None
    return ActivationDesign(node.name, function, n, in_t, result, table_size=table,
                            reuse_factor=rf, positions=positions, **elu)


# --------------------------------------------------------------------------------------------
# hls4ml configuration and project
# --------------------------------------------------------------------------------------------


def hls_config(model, plan: Plan, hls_cfg: HlsConfig, *, trace: bool = True) -> dict:
    """hls4ml's per-layer configuration with every precision set by the flow."""
    import hls4ml

    model = for_hls4ml(model)
    cfg = hls4ml.utils.config_from_keras_model(model, granularity="name", backend=hls_cfg.backend)
    cfg["Model"]["Strategy"] = hls_cfg.strategy
    cfg["Model"]["ReuseFactor"] = hls_cfg.reuse_factor
    layers = cfg["LayerName"]
    by_name = {n.name: n for n in plan.nodes}
    for lname, lcfg in layers.items():
        node = by_name.get(lname)
        prec = lcfg.setdefault("Precision", {})
        halves = {n.part: n for n in plan.nodes if n.source == lname and n.name != lname}
        if node is None and set(halves) == {"depthwise", "pointwise"}:
            # a separable conv: hls4ml copies these keys to the '<name>_depthwise' and '_pointwise' nodes it splits it into
            dw, pw = halves["depthwise"], halves["pointwise"]
            prec.update({"depthwise": dw.weight.hls(), "depthwise_accum": dw.accum.hls(), "depthwise_result": dw.result.hls(),
                         "pointwise": pw.weight.hls(), "bias": pw.bias.hls(), "pointwise_accum": pw.accum.hls(),
                         "accum": pw.accum.hls(), "result": pw.result.hls()})
            lcfg["ReuseFactor"] = hls_cfg.per_layer_reuse.get(lname, hls_cfg.reuse_factor)
            if trace:
                lcfg["Trace"] = True
            continue
        if node is None:
            # hls4ml's own helper nodes (e.g. '<dense>_linear' that it removes): follow the upstream type.
            # The longest matching name is the layer's own: Keras' default names make 'q_dense_1_linear'
            # start with 'q_dense_' too (the first match gave it q_dense's type: not bit-exact)
            owners = [(len(n.name), n) for n in plan.nodes if lname.startswith(n.name + "_")]
            owners += [(len(n.source), n) for n in plan.nodes  # a separable's '<name>_linear'
                       if n.part == "pointwise" and n.source and lname.startswith(f"{n.source}_")]
            base = max(owners, key=lambda o: o[0])[1] if owners else None
            if base is not None and base.result is not None and isinstance(prec, dict):
                prec["result"] = base.result.hls()
            continue
        if node.result is not None:
            prec["result"] = node.result.hls()
        if node.weight is not None:
            prec["weight"] = node.weight.hls()
        if node.bias is not None:
            prec["bias"] = node.bias.hls()
        if node.accum is not None:
            prec["accum"] = node.accum.hls()
        if node.function in ("dense", "conv"):
            lcfg["ReuseFactor"] = node.reuse or hls_cfg.per_layer_reuse.get(lname, hls_cfg.reuse_factor)
        if node.function == "softmax":
            lcfg["Implementation"] = hls_cfg.softmax_implementation
            lcfg.update(_softmax_table_sizes(plan, node, hls_cfg.softmax_implementation))
        if trace:
            lcfg["Trace"] = True
    return cfg


def _softmax_table_sizes(plan: Plan, node: NodePrecision, implementation: str) -> dict[str, int]:
    """The softmax's exp and 1/x table sizes in hls4ml's layer config (softmax_table_sizes says why);
    nothing for 'argmax' (no tables)."""
    if implementation not in ("stable", "latency", "legacy"):
        return {}
    i = plan.nodes.index(node)
    src = plan.node(node.inputs[0]) if node.inputs else (plan.nodes[i - 1] if i > 0 else None)
    exp_size, inv_size = softmax_table_sizes(implementation, src.result if src is not None else None)
    return {"exp_table_size": exp_size, "inv_table_size": inv_size}


def retarget_project(built: Path, final: Path) -> None:
    """Point a project written in `built` (a partial folder swapped into `final` when complete) at
    `final`: hls4ml records its OutputDir and KerasModel as absolute paths in hls4ml_config.yml,
    so `hls4ml.converters.link_existing_project(final)` would look in the deleted partial folder."""
    # hls4ml writes the path as it was given (relative to the working directory, for a config's
    # hls_projects/<name>) or absolute: the absolute form first, as the relative one is part of it
    pairs = [(str(Path(built).resolve()), str(Path(final).resolve())), (str(built), str(final))]
    for f in Path(built).glob("*"):
        if f.is_file() and f.suffix in (".yml", ".yaml", ".tcl"):
            text = f.read_text(errors="surrogateescape")
            fixed = text
            for old, new in pairs:
                fixed = fixed.replace(old, new)
            if fixed != text:
                f.write_text(fixed, errors="surrogateescape")


def convert(model, cfg: dict, hls_cfg: HlsConfig, output_dir: Path, *, plan: Plan | None = None):
    """An hls4ml ModelGraph writing to `output_dir` (nothing compiled yet). `plan` (from
    `plan_model`) types the nodes hls4ml inserts itself, which its configuration cannot reach; a
    model whose conversion inserts such nodes needs it."""
    import hls4ml

    kwargs: dict[str, Any] = dict(
        hls_config=cfg,
        output_dir=str(output_dir),
        backend=hls_cfg.backend,
        io_type=hls_cfg.io_type,
        part=hls_cfg.part,
        clock_period=hls_cfg.clock_period_ns,
        project_name="myproject",
    )
    if hls_cfg.clock_uncertainty is not None:
        kwargs["clock_uncertainty"] = hls_cfg.clock_uncertainty  # else hls4ml's backend default
    try:
        hls_model = hls4ml.converters.convert_from_keras_model(for_hls4ml(model), **kwargs)
        # write the per-layer trace hooks (inside #ifndef __SYNTHESIS__, so synthesis ignores
        # them) into every project: the delivered project is then the one csim proves exact
        hls_model.config.trace_output = True
        _retype_alpha(hls_model, plan)
        return hls_model
    except (ImportError, ModuleNotFoundError) as exc:
        if hls_cfg.strategy == "distributed_arithmetic":
            from flow.errors import ToolError

            raise ToolError(f"strategy distributed_arithmetic needs da4ml ({exc})", where="hls.strategy", fix='pip install "da4ml>=0.5.2,<0.6"') from None
        raise


def _retype_alpha(hls_model, plan: Plan | None) -> None:
    """Give every '<layer>_alpha' node hls4ml inserted (an alpha='auto_po2' scale factored out of a
    QDense/QConv) the exact types of the plan. hls4ml overwrites any configuration of these nodes
    with 'auto', which for a power-of-two scale means the model's default precision: the scaled
    sum would be truncated and wrapped."""
    inserted = [layer for layer in hls_model.get_layers() if layer.class_name == "ApplyAlpha"]
    if not inserted:
        return
    from hls4ml.backends.fpga.fpga_types import APTypeConverter
    from hls4ml.model.types import ExponentPrecisionType

    by_name = {n.name: n for n in plan.nodes} if plan is not None else {}
    # the backend's ap_ types: the conversion has already turned every type into one
    convert_type = lambda t: APTypeConverter().convert(hls_model.config.backend.convert_precision_string(t))  # noqa: E731
    for layer in inserted:
        node = by_name.get(layer.name)
        if node is None or node.function != "alpha":
            raise ModelError(f"hls4ml inserted the node {layer.name!r} (ApplyAlpha), which the flow did not plan",
                             where=layer.name, fix="pass the plan to flow.hls.convert (plan=plan_model(...)), or "
                             "use quantized_bits(..., alpha=1) for this layer's kernel and bias")
        layer.get_output_variable().type.precision = convert_type(node.result.hls())
        layer.weights["bias"].update_precision(convert_type(node.bias.hls()))
        scale = layer.weights["scale"]
        if not isinstance(scale.type.precision, ExponentPrecisionType):
            scale.update_precision(convert_type(node.weight.hls()))
            continue
        # a power-of-two scale stays a shift; but hls4ml rounds it with quantized_po2(bits), whose
        # largest value is 2^(bits-2) for the bits it picks, so a scale above 1 comes out halved
        # or clipped to 1 (measured: QKeras' scale 2 written as 1). Write QKeras' own scale.
        exps = np.round(np.log2(node.scale)).astype(int)
        if not np.array_equal(np.asarray(scale.data, dtype=np.float64).reshape(-1), node.scale):
            scale.data = node.scale.astype(np.asarray(scale.data).dtype).reshape(np.asarray(scale.data).shape)
        need = max(2, int(max(exps.max(), -exps.min() - 1)).bit_length() + 1)  # ap_int<need> holds every exponent
        if scale.type.precision.width < need:
            scale.type.precision = APTypeConverter().convert(ExponentPrecisionType(width=need, signed=True))


def project_digest(project_dir: Path) -> str:
    """sha256 over the generated sources (not build outputs): proves csim built the same project."""
    import hashlib

    h = hashlib.sha256()
    root = Path(project_dir)
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        # a vendor build (`flow synth`) adds <project>_prj/ with copies of the sources: not the project's own
        if p.is_file() and p.suffix in {".h", ".cpp", ".tcl", ".txt", ".dat"} and not any(d.endswith("_prj") for d in rel.parts[:-1]):
            h.update(str(rel).encode())
            h.update(p.read_bytes())
    return h.hexdigest()
