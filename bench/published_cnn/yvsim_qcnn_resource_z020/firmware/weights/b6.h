//Numpy array shape [8]
//Min -0.031250000000
//Max 0.031250000000
//Number of zeros 4

#ifndef B6_H_
#define B6_H_

#ifndef __SYNTHESIS__
bias6_t b6[8];
#else
bias6_t b6[8] = {-0.40625, -0.15625, 0.96875, -0.25000, -0.68750, -1.00000, 0.84375, 0.96875};

#endif

#endif
