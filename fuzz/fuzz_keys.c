/* Fixed test keys (see fuzz_keys.h); generated once with
 * onecard_key_generate and onecard_jwks_from_jwks_texts. */
#include "fuzz_keys.h"

const char oc_fuzz_ed25519_jwk[] = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
				   "\"x\":\"XG8CE1wH7HRJa1_3bJ6sQs60Wz8sIBGz_A8zGNd6xNA\","
				   "\"d\":\"HOJgpiKzWu-qEJuykasdZqMLGsG3yX-CxF4QWorFD94\","
				   "\"kid\":\"fuzz-ed25519\",\"alg\":\"EdDSA\",\"use\":\"sig\"}";

const char oc_fuzz_p256_jwk[] = "{\"kty\":\"EC\",\"crv\":\"P-256\","
				"\"x\":\"2pphE-kfMLtfHOLMPL_LjF6DdQwwr0EZBpEVW6cZY_k\","
				"\"y\":\"zpIOc5GLw3Z-Jtt8hCc_V_kHacebvtRucND3sMfI2iY\","
				"\"d\":\"z07QT0E-f70JUWx-mVbDAgLbxbgipXSxDwyGElmu0xU\","
				"\"kid\":\"fuzz-p256\",\"alg\":\"ES256\",\"use\":\"sig\"}";

const char oc_fuzz_jwks[] = "{\"keys\":["
			    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
			    "\"x\":\"XG8CE1wH7HRJa1_3bJ6sQs60Wz8sIBGz_A8zGNd6xNA\","
			    "\"kid\":\"fuzz-ed25519\",\"alg\":\"EdDSA\",\"use\":\"sig\"},"
			    "{\"kty\":\"EC\",\"crv\":\"P-256\","
			    "\"x\":\"2pphE-kfMLtfHOLMPL_LjF6DdQwwr0EZBpEVW6cZY_k\","
			    "\"y\":\"zpIOc5GLw3Z-Jtt8hCc_V_kHacebvtRucND3sMfI2iY\","
			    "\"kid\":\"fuzz-p256\",\"alg\":\"ES256\",\"use\":\"sig\"}]}";
