// RECONSTRUCTED by the flow's developers (not in the source repository): the layer calls hls4ml 0.8/1.0
// writes for the structs in parameters.h, in the order and with the types the csynth report's instances name.
#include "myproject.h"
#include "parameters.h"
void myproject(hls::stream<input_t> &conv2d_input, hls::stream<result_t> &layer10_out) {
    nnet::conv_2d_cl<input_t, layer2_t, config2>(conv2d_input, layer2_out, w2, b2); // conv2d
    nnet::relu<layer2_t, layer3_t, relu_config3>(layer2_out, layer3_out); // conv2d_relu
    nnet::pooling2d_cl<layer3_t, layer4_t, config4>(layer3_out, layer4_out); // max_pooling2d
    nnet::conv_2d_cl<layer4_t, layer5_t, config5>(layer4_out, layer5_out, w5, b5); // conv2d_1
    nnet::relu<layer5_t, layer6_t, relu_config6>(layer5_out, layer6_out); // conv2d_1_relu
    nnet::pooling2d_cl<layer6_t, layer7_t, config7>(layer6_out, layer7_out); // max_pooling2d_1
    nnet::dense<layer7_t, layer9_t, config9>(layer7_out, layer9_out, w9, b9); // dense
    nnet::softmax<layer9_t, result_t, softmax_config10>(layer9_out, layer10_out); // dense_softmax
}
