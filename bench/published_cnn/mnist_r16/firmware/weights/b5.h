//Numpy array shape [8]
//Min -0.474121093750
//Max 1.043945312500
//Number of zeros 0

#ifndef B5_H_
#define B5_H_

#ifndef __SYNTHESIS__
model_default_t b5[8];
#else
model_default_t b5[8] = {0.2731933594, -0.0579528809, 1.0439453125, -0.0686035156, 0.7084960938, -0.4741210938, 0.3398437500, 0.0126724243};
#endif

#endif
