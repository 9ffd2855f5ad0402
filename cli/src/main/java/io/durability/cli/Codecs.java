package io.durability.cli;

import io.durability.codec.Codec;
import io.durability.codec.CodecProvider;
import io.durability.storage.DurabilityException;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Locale;
import java.util.Map;

/**
 * Which codec {@code --codec} means: {@code auto}, {@code raw}, a name a {@link CodecProvider} on the class
 * path offers, or the class name of a {@link Codec}.
 */
final class Codecs
{
    private Codecs()
    {
    }

    /**
     * @param option   what was typed ({@code auto}, {@code raw}, NAME or CLASS; names in any case).
     * @param recorded the codec id the WAL's segment headers record (0: none).
     * @return the codec to decode with, or {@code null} for raw bytes.
     * @throws CliFailure USAGE for an unknown name, a class that is no codec, or a codec whose id is not the
     *                    one the WAL records.
     */
    static Codec<?> resolve(final String option, final int recorded)
    {
        final String name = option.toLowerCase(Locale.ROOT);
        if (name.equals("raw"))
        {
            return null;
        }
        final Map<String, Codec<?>> offered;
        try
        {
            offered = CodecProvider.discover(Codecs.class.getClassLoader());
        }
        catch (final DurabilityException | java.util.ServiceConfigurationError ex)
        {
            throw new CliFailure(ExitCodes.USAGE, "a codec provider on the class path is broken: " + ex.getMessage(), ex);
        }
        if (name.equals("auto"))
        {
            if (recorded == 0)
            {
                return null;
            }
            return offered.values().stream().filter(c -> c.id() == recorded).findFirst().orElse(null);
        }
        final Codec<?> codec = option.contains(".") ? load(option) : offered.get(name);
        if (codec == null)
        {
            throw new CliFailure(ExitCodes.USAGE, "--codec " + option + ": no such codec; the class path offers " +
                String.join(", ", offered.keySet()) + " (and auto, raw, or the class name of a Codec)");
        }
        if (recorded != 0 && codec.id() != 0 && codec.id() != recorded)
        {
            throw new CliFailure(ExitCodes.USAGE, "--codec " + option + ": the WAL records its codec as " +
                EntryPrinter.codecName(recorded) + ", not " + EntryPrinter.codecName(codec.id()) +
                "; use --codec raw (or auto)");
        }
        return codec;
    }

    /** @return the name a provider on the class path offers the codec of id {@code id} under, if any. */
    static java.util.Optional<String> offeredName(final int id)
    {
        try
        {
            return CodecProvider.discover(Codecs.class.getClassLoader()).entrySet().stream()
                .filter(e -> e.getValue().id() == id).map(Map.Entry::getKey).findFirst();
        }
        catch (final DurabilityException | java.util.ServiceConfigurationError ex)
        {
            return java.util.Optional.empty();
        }
    }

    /** A codec class: its static INSTANCE or CODEC field, else a public no-argument constructor. */
    private static Codec<?> load(final String className)
    {
        final Class<?> type;
        try
        {
            type = Class.forName(className, true, Codecs.class.getClassLoader());
        }
        catch (final ClassNotFoundException | LinkageError ex)
        {
            throw new CliFailure(ExitCodes.USAGE, "--codec " + className + ": no such class on the class path (run " +
                "io.durability.cli.DurabilityCli with java -cp durability.jar:YOUR.jar to add one)", ex);
        }
        for (final String fieldName : new String[] {"INSTANCE", "CODEC"})
        {
            try
            {
                final Field f = type.getField(fieldName);
                if (Modifier.isStatic(f.getModifiers()) && f.get(null) instanceof Codec<?> c)
                {
                    return c;
                }
            }
            catch (final NoSuchFieldException | IllegalAccessException ex)
            {
                // try the next way
            }
        }
        if (!Codec.class.isAssignableFrom(type))
        {
            throw new CliFailure(ExitCodes.USAGE, "--codec " + className + ": not a " + Codec.class.getName() +
                " and no static INSTANCE or CODEC field holding one");
        }
        try
        {
            return (Codec<?>)type.getConstructor().newInstance();
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new CliFailure(ExitCodes.USAGE, "--codec " + className + ": a Codec without a static INSTANCE or CODEC " +
                "field and without a public no-argument constructor", ex);
        }
    }
}
