//Numpy array shape [10]
//Min -0.231689453125
//Max 0.434814453125
//Number of zeros 0

#ifndef B9_H_
#define B9_H_

#ifndef __SYNTHESIS__
model_default_t b9[10];
#else
model_default_t b9[10] = {0.0502014160, 0.4348144531, -0.0011243820, -0.0103302002, -0.2210693359, 0.1193237305, 0.1252441406, -0.0269775391, -0.2316894531, -0.0402832031};
#endif

#endif
