//Numpy array shape [6]
//Min -0.534130752087
//Max 0.466922312975
//Number of zeros 0

#ifndef B6_H_
#define B6_H_

#ifndef __SYNTHESIS__
model_default_t b6[6];
#else
model_default_t b6[6] = {-0.3271560073, -0.3772365153, -0.5341307521, 0.4669223130, 0.3738272786, 0.3102774620};

#endif

#endif
