//Numpy array shape [8]
//Min -0.007492436562
//Max 0.005829098634
//Number of zeros 0

#ifndef B6_H_
#define B6_H_

#ifndef __SYNTHESIS__
fc1_bias_t b6[8];
#else
fc1_bias_t b6[8] = {0.0058290986, -0.0012321037, -0.0074924366, -0.0072844606, -0.0067473920, -0.0059347646, -0.0073436769, -0.0014405935};

#endif

#endif
