//Numpy array shape [2]
//Min -0.007279939484
//Max 0.007279939484
//Number of zeros 0

#ifndef B8_H_
#define B8_H_

#ifndef __SYNTHESIS__
out_bias_t b8[2];
#else
out_bias_t b8[2] = {-0.0072799395, 0.0072799395};

#endif

#endif
