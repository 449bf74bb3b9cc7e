//Numpy array shape [4]
//Min -0.579589843750
//Max 0.003093719482
//Number of zeros 0

#ifndef B2_H_
#define B2_H_

#ifndef __SYNTHESIS__
model_default_t b2[4];
#else
model_default_t b2[4] = {0.0030937195, -0.0075607300, -0.5795898438, -0.0388488770};
#endif

#endif
