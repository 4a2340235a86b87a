/* Little-endian writers for the encoders (DCE/RPC and KMS are little-endian, §0). */
#ifndef KD_WIRE_H
#define KD_WIRE_H

#include <stdint.h>

static inline void
kd_put16le(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void
kd_put32le(uint8_t *p, uint32_t v)
{
	kd_put16le(p, (uint16_t)v);
	kd_put16le(p + 2, (uint16_t)(v >> 16));
}

static inline void
kd_put64le(uint8_t *p, uint64_t v)
{
	kd_put32le(p, (uint32_t)v);
	kd_put32le(p + 4, (uint32_t)(v >> 32));
}

#endif
