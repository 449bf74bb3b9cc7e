//Numpy array shape [10]
//Min -0.250000000000
//Max 0.187500000000
//Number of zeros 1

#ifndef B19_H_
#define B19_H_

#ifndef __SYNTHESIS__
bias19_t b19[10];
#else
bias19_t b19[10] = {-0.1875, 0.0000, -0.0625, -0.1250, 0.1250, 0.1250, -0.2500, 0.0625, 0.1250, 0.1875};

#endif

#endif
