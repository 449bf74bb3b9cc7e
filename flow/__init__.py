"""hls-flow: a neural network from training to a verified, FPGA-ready HLS design.

Heavy libraries (TensorFlow, QKeras, hls4ml) are imported lazily inside the functions that need
them, so `flow validate` and `import flow` stay instant.
"""

__version__ = "0.1.0"
