package io.durability.codec;

import io.durability.storage.DurabilityException;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Offers codecs to tools by name: the {@code durability} command line finds every provider on its class
 * path with {@link ServiceLoader} ({@code META-INF/services/io.durability.codec.CodecProvider}) and decodes
 * a WAL with the codec whose {@link Codec#id()} its segment headers record, or with the one named by
 * {@code --codec NAME}. An application makes its payloads readable by the tools by shipping a provider
 * (a public class with a public no-argument constructor) beside its codec.
 *
 * <p>Providers shipped with durability: core ({@code walentry}: {@link io.durability.walog.WalEntryCodec})
 * and replication ({@code replicated}: the entries a replica's WAL holds).
 */
public interface CodecProvider
{
    /**
     * @return the codecs offered, each under a short name (lower case letters, digits and {@code -}),
     * unique among the providers on a class path.
     */
    Map<String, Codec<?>> codecs();

    /**
     * Every codec the providers visible to {@code loader} offer, by name, in the order the providers are
     * found.
     *
     * @throws DurabilityException INVALID_CONFIG when two providers offer the same name, or a name is not
     *                             one of the allowed form.
     */
    static Map<String, Codec<?>> discover(final ClassLoader loader)
    {
        final Map<String, Codec<?>> all = new LinkedHashMap<>();
        for (final CodecProvider provider : ServiceLoader.load(CodecProvider.class, loader))
        {
            for (final Map.Entry<String, Codec<?>> e : provider.codecs().entrySet())
            {
                final String name = e.getKey();
                if (!name.matches("[a-z0-9][a-z0-9-]*"))
                {
                    throw DurabilityException.invalidConfig("codec name offered by " + provider.getClass().getName(),
                        "lower case letters, digits and '-'", name);
                }
                final Codec<?> before = all.putIfAbsent(name, e.getValue());
                if (before != null)
                {
                    throw DurabilityException.invalidConfig("codec name offered twice (" + before.getClass().getName() +
                        " and, by " + provider.getClass().getName() + ", " + e.getValue().getClass().getName() + ")",
                        "one codec per name", name);
                }
            }
        }
        return Collections.unmodifiableMap(all);
    }
}
