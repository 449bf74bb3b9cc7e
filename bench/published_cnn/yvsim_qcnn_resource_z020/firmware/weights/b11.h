//Numpy array shape [32]
//Min 0.000000000000
//Max 0.000000000000
//Number of zeros 32

#ifndef B11_H_
#define B11_H_

#ifndef __SYNTHESIS__
bias11_t b11[32];
#else
bias11_t b11[32] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

#endif

#endif
