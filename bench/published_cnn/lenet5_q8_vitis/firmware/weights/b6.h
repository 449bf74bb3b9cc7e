//Numpy array shape [16]
//Min 0.000000000000
//Max 0.000000000000
//Number of zeros 16

#ifndef B6_H_
#define B6_H_

#ifndef __SYNTHESIS__
bias6_t b6[16];
#else
bias6_t b6[16] = {-1.1250, -1.0000, -0.5000, -0.8750, -1.0000, -0.3750, -0.5000, 0.0625, 0.8125, -1.3125, -0.0625, -0.1250, -1.3125, -0.4375, 1.3750, 0.1875};

#endif

#endif
