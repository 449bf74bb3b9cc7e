//Numpy array shape [8]
//Min -0.533203125000
//Max 0.368164062500
//Number of zeros 0

#ifndef B5_H_
#define B5_H_

#ifndef __SYNTHESIS__
model_default_t b5[8];
#else
model_default_t b5[8] = {-0.1175537109, -0.1813964844, 0.3679199219, 0.3681640625, -0.4199218750, -0.4050292969, 0.2939453125, -0.5332031250};
#endif

#endif
