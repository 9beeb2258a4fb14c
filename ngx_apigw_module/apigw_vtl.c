
/*
 * Copyright (C) apigw contributors
 */


#include "apigw_schema.h"
#include "apigw_vtl.h"


/* placeholder: being written */
typedef int apigw_vtl_placeholder_t;
