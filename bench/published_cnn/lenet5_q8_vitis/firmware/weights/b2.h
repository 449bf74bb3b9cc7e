//Numpy array shape [6]
//Min -0.187500000000
//Max 0.062500000000
//Number of zeros 0

#ifndef B2_H_
#define B2_H_

#ifndef __SYNTHESIS__
bias2_t b2[6];
#else
bias2_t b2[6] = {-0.4375, 0.0000, -0.0625, 0.0625, -0.2500, 0.2500};

#endif

#endif
