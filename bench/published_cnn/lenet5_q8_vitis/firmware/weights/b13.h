//Numpy array shape [16]
//Min -0.544377386570
//Max 1.136550068855
//Number of zeros 0

#ifndef B13_H_
#define B13_H_

#ifndef __SYNTHESIS__
bn1_bias_t b13[16];
#else
bn1_bias_t b13[16] = {0.5818, 0.3892, 0.0650, 0.6632, 1.0279, 0.4706, -0.3483, -0.1453, -0.5444, -0.3769, 0.6448, 0.4164, -0.1562, 1.1366, -0.3849, 0.6291};

#endif

#endif
