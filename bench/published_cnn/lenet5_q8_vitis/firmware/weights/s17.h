//Numpy array shape [16]
//Min 1.072183370590
//Max 1.477784514427
//Number of zeros 0

#ifndef S17_H_
#define S17_H_

#ifndef __SYNTHESIS__
bn2_scale_t s17[16];
#else
bn2_scale_t s17[16] = {1.1415, 1.4535, 1.1267, 1.2405, 1.3606, 1.2768, 1.4403, 1.0797, 1.0821, 1.4778, 1.3878, 1.1619, 1.2265, 1.1169, 1.3295, 1.0722};

#endif

#endif
