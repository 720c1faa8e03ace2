package dev.pipeseal.kms.pkcs11;

import dev.pipeseal.kms.KmsConfigException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the slot holding a token by label. SunPKCS11's configuration only takes slot ids, and only
 * its internal wrapper can list tokens, so this needs {@code
 * --add-exports=jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED}; without it, configure
 * {@code slot} instead.
 */
final class TokenLabels {
  private static final String WRAPPER = "sun.security.pkcs11.wrapper.";
  private static final long CKF_OS_LOCKING_OK = 0x2L;

  private TokenLabels() {}

  static long slotOf(Path library, String label) {
    List<String> seen = new ArrayList<>();
    try {
      Class<?> pkcs11 = Class.forName(WRAPPER + "PKCS11");
      Class<?> initArgsClass = Class.forName(WRAPPER + "CK_C_INITIALIZE_ARGS");
      Object initArgs = initArgsClass.getConstructor().newInstance();
      // The same flags SunPKCS11 passes: the module instance is shared with the provider.
      initArgsClass.getField("flags").setLong(initArgs, CKF_OS_LOCKING_OK);
      Object module =
          pkcs11
              .getMethod("getInstance", String.class, String.class, initArgsClass, boolean.class)
              .invoke(null, library.toString(), "C_GetFunctionList", initArgs, false);
      long[] slots = (long[]) pkcs11.getMethod("C_GetSlotList", boolean.class).invoke(module, true);
      for (long slot : slots) {
        Object info = pkcs11.getMethod("C_GetTokenInfo", long.class).invoke(module, slot);
        String tokenLabel =
            new String((char[]) info.getClass().getField("label").get(info)).strip();
        if (tokenLabel.equals(label)) {
          return slot;
        }
        seen.add(tokenLabel);
      }
    } catch (IllegalAccessException | ClassNotFoundException e) {
      throw new KmsConfigException(
          Pkcs11Config.PROVIDER,
          null,
          "finding a token by label needs the JVM option"
              + " --add-exports=jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED;"
              + " or configure 'slot' with the slot id",
          e);
    } catch (InvocationTargetException e) {
      throw new KmsConfigException(
          Pkcs11Config.PROVIDER,
          null,
          "cannot list tokens of PKCS#11 module " + library + ": " + e.getCause(),
          e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new KmsConfigException(
          Pkcs11Config.PROVIDER, null, "unsupported JDK PKCS#11 wrapper: " + e, e);
    }
    throw new KmsConfigException(
        Pkcs11Config.PROVIDER,
        null,
        "no token labelled '"
            + label
            + "' in PKCS#11 module "
            + library
            + " (tokens: "
            + seen
            + ")");
  }
}
