//Numpy array shape [16]
//Min 0.258324712515
//Max 0.447409987450
//Number of zeros 0

#ifndef S13_H_
#define S13_H_

#ifndef __SYNTHESIS__
bn1_scale_t s13[16];
#else
bn1_scale_t s13[16] = {0.2855, 0.3803, 0.3677, 0.3405, 0.4349, 0.3688, 0.4248, 0.3798, 0.3946, 0.3561, 0.2937, 0.4081, 0.3915, 0.4474, 0.2583, 0.4345};

#endif

#endif
