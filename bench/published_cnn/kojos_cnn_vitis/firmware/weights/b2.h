//Numpy array shape [4]
//Min -0.004710442852
//Max 0.006284508388
//Number of zeros 0

#ifndef B2_H_
#define B2_H_

#ifndef __SYNTHESIS__
conv1_bias_t b2[4];
#else
conv1_bias_t b2[4] = {-0.0032416987, -0.0023933747, -0.0047104429, 0.0062845084};

#endif

#endif
