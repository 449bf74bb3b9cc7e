//Numpy array shape [10]
//Min -0.250000000000
//Max 0.156250000000
//Number of zeros 2

#ifndef B15_H_
#define B15_H_

#ifndef __SYNTHESIS__
bias15_t b15[10];
#else
bias15_t b15[10] = {-0.25000, -0.03125, 0.15625, 0.03125, -0.06250, -0.06250, 0.12500, 0.00000, 0.06250, 0.00000};

#endif

#endif
