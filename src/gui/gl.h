// OpenGL 3.3 core entry points. Mesa's libGL (GLVND) exports every core function, so the prototypes
// from glcorearb.h link directly and no loader library is needed.
#pragma once
#ifndef GL_GLEXT_PROTOTYPES
#define GL_GLEXT_PROTOTYPES 1
#endif
#include <GL/glcorearb.h>
