//Numpy array shape [16]
//Min -0.536663413048
//Max 0.400579273701
//Number of zeros 0

#ifndef B17_H_
#define B17_H_

#ifndef __SYNTHESIS__
bn2_bias_t b17[16];
#else
bn2_bias_t b17[16] = {-0.3802, -0.3969, -0.4533, -0.5367, -0.2968, 0.2636, 0.0209, 0.2626, -0.3282, 0.4006, -0.0837, 0.1078, 0.0127, -0.1679, -0.0762, -0.0023};

#endif

#endif
