namespace UintrIpc.Bench.Modes;

/// <summary>One sub-command of the bench program.</summary>
internal interface IBenchMode
{
    /// <summary>The word that selects the mode on the command line.</summary>
    string Name { get; }

    /// <summary>One line for the usage text.</summary>
    string Description { get; }

    /// <summary>Runs the mode with the arguments after its name; returns the exit code.</summary>
    int Run(string[] args);
}
