//Numpy array shape [4]
//Min -0.627929687500
//Max 0.148071289062
//Number of zeros 0

#ifndef B2_H_
#define B2_H_

#ifndef __SYNTHESIS__
model_default_t b2[4];
#else
model_default_t b2[4] = {0.1480712891, -0.2136230469, -0.0001870394, -0.6279296875};
#endif

#endif
